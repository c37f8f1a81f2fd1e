using Idrp.Domain.Search;
using Idrp.Infrastructure.Persistence;

namespace Idrp.Server.Tests;

/// <summary>
/// The search tokenizer: English stems (Snowball Porter2) as the index stores them, and the query words a search
/// matches, whole or, written with <c>*</c>, as prefixes.
/// </summary>
public sealed class SearchTextTests
{
    [Theory]
    [InlineData("island", "island")]
    [InlineData("islands", "island")]
    [InlineData("islanded", "island")]
    [InlineData("islanding", "island")]
    [InlineData("islandic", "island")]
    [InlineData("islandite", "islandit")]
    [InlineData("graphene", "graphen")]
    [InlineData("oxides", "oxid")]
    [InlineData("annealed", "anneal")]
    [InlineData("terraces", "terrac")]
    [InlineData("running", "run")]
    [InlineData("hoped", "hope")]
    [InlineData("cries", "cri")]
    [InlineData("ties", "tie")]
    [InlineData("gas", "gas")]
    [InlineData("gaps", "gap")]
    [InlineData("happy", "happi")]
    [InlineData("generously", "generous")]
    [InlineData("communism", "communism")]
    [InlineData("nationalization", "nation")]
    [InlineData("agreement", "agreement")]
    [InlineData("controlling", "control")]
    [InlineData("skies", "sky")]
    [InlineData("dying", "die")]
    [InlineData("news", "news")]
    [InlineData("succeeded", "succeed")]
    [InlineData("boundary", "boundari")]
    [InlineData("by", "by")]
    [InlineData("si0", "si0")]
    [InlineData("8ge0", "8ge0")]
    [InlineData("cu3au", "cu3au")]
    [InlineData("2015", "2015")]
    [InlineData("nffa", "nffa")]
    [InlineData("kv", "kv")]
    public void Known_stems(string word, string stem) => Assert.Equal(stem, EnglishStemmer.Stem(word));

    [Fact]
    public void Documents_are_stored_as_stems_and_queries_match_them_whole_or_as_prefixes()
    {
        Assert.Equal("ge island on si 001 si0 8ge0 2 muller", SearchText.Normalize("Ge islands on Si(001), Si0.8Ge0.2, Müller"));
        Assert.Equal(
            [new QueryWord("island", false), new QueryWord("graph", true), new QueryWord("graphen", true), new QueryWord("8ge0", true)],
            SearchText.QueryWords("Islands, islanded graph* GRAPHENE* 8ge0*"));
        Assert.Equal([new QueryWord("happ", true)], SearchText.QueryWords("happy*"));   // what happy and its stem happi share
        Assert.Equal([new QueryWord("island", false)], SearchText.QueryWords("island *"));
        Assert.Empty(SearchText.QueryWords("* ** \"\" ()"));
        Assert.Equal(SearchText.MaxQueryWords, SearchText.QueryWords(string.Join(' ', Enumerable.Range(0, 40).Select(i => "w" + i))).Count);

        var words = SearchText.QueryWords("islands graph* \"x\"");
        Assert.Equal("\"island\" \"graph\"* \"x\"", SearchText.Fts5Query(words));
        Assert.Equal("'island' & 'graph':* & 'x'", PostgresIdrpDbContext.TsQueryOf(words).ToString());
    }
}
