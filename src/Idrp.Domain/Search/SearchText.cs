using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Idrp.Domain.Search;

/// <summary>
/// One word of a search query: a stemmed term matched whole (<c>islands</c> → island, which finds island, islands,
/// islanded…), or, when the user wrote a <c>*</c> right after the word, a prefix of the indexed terms (<c>graph*</c>
/// finds graph, graphen, graphit…). <see cref="Term"/> holds only letters and digits.
/// </summary>
public readonly record struct QueryWord(string Term, bool Prefix);

/// <summary>
/// The one tokenizer of search: documents are stored and queries are built from the same terms, so that SQLite FTS5
/// and PostgreSQL full text agree on what a word is. A word is a run of letters and digits, lower-cased, with accents
/// removed ("Si0.8Ge0.2" → si0 8ge0 2, "Müller" → muller); a term is a word's English stem
/// (<see cref="EnglishStemmer"/>: "islands" → island). Words with digits come through unchanged.
/// </summary>
public static class SearchText
{
    /// <summary>At most this many words of a query are used; the rest are ignored.</summary>
    public const int MaxQueryWords = 16;

    /// <summary>Stems of words seen, up to this many: documents repeat a vocabulary, and a lookup is ~20 times cheaper than stemming.</summary>
    private const int MaxCachedStems = 50_000;

    private static readonly ConcurrentDictionary<string, string> Stems = new(StringComparer.Ordinal);

    private static int _cachedStems;

    /// <summary>The text as it is stored in the index: the stems of its words separated by single spaces.</summary>
    public static string Normalize(string? text) => string.Join(' ', Tokens(text).Select(t => Stem(t.Word)));

    /// <summary>
    /// The distinct words of a user's query (at most <see cref="MaxQueryWords"/>). A word followed by <c>*</c> is a
    /// prefix: the part it shares with its stem, so that <c>graphene*</c> still finds "graphene" (indexed as graphen);
    /// any other word is its stem, matched whole. Only letters and digits survive, so whatever the user typed, the
    /// engine query built from them is well-formed.
    /// </summary>
    public static List<QueryWord> QueryWords(string? query) =>
        [.. Tokens(query).Select(t => t.Next == '*' ? new QueryWord(PrefixOf(t.Word), true) : new QueryWord(Stem(t.Word), false))
            .Distinct().Take(MaxQueryWords)];

    /// <summary>An FTS5 MATCH expression: every word must occur, whole or as a prefix ("island" "graph"*).</summary>
    public static string Fts5Query(IReadOnlyList<QueryWord> words) =>
        string.Join(' ', words.Select(w => "\"" + w.Term + "\"" + (w.Prefix ? "*" : "")));

    /// <summary>The longest common start of a word and its stem (stems may change the last letters: happy → happi).</summary>
    private static string PrefixOf(string word)
    {
        var stem = Stem(word);
        var length = 0;
        while (length < word.Length && length < stem.Length && word[length] == stem[length])
        {
            length++;
        }

        return length == 0 ? word : word[..length];
    }

    /// <summary><see cref="EnglishStemmer.Stem"/>, remembered for the first <see cref="MaxCachedStems"/> words.</summary>
    private static string Stem(string word)
    {
        if (Stems.TryGetValue(word, out var stem))
        {
            return stem;
        }

        stem = EnglishStemmer.Stem(word);
        if (Interlocked.Increment(ref _cachedStems) <= MaxCachedStems)
        {
            Stems.TryAdd(word, stem);
        }

        return stem;
    }

    /// <summary>The words of the text, each with the character right after it ('\0' at the end).</summary>
    private static List<(string Word, char Next)> Tokens(string? text)
    {
        var tokens = new List<(string, char)>();
        if (string.IsNullOrEmpty(text))
        {
            return tokens;
        }

        var decomposed = text.Normalize(NormalizationForm.FormD);
        var word = new StringBuilder();
        foreach (var c in decomposed)
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark)
            {
                continue;
            }

            if (char.IsLetterOrDigit(c))
            {
                word.Append(char.ToLowerInvariant(c));
            }
            else if (word.Length > 0)
            {
                tokens.Add((word.ToString(), c));
                word.Clear();
            }
        }

        if (word.Length > 0)
        {
            tokens.Add((word.ToString(), '\0'));
        }

        return tokens;
    }
}
