using Idrp.Domain.Access;
using Idrp.Domain.Model;
using Idrp.Domain.Search;
using Idrp.Infrastructure.Persistence;

namespace Idrp.Server.Tests;

/// <summary>
/// PostgreSQL's choice between the text indexes and a walk of the primary key for a search's newest matches, on the figures
/// ANALYZE gave for the search benchmark's 100,000 documents, against the plan measured faster for each word and reader
/// (bench/Idrp.Bench.Search/RESULTS.md, "The access rule's own text indexes").
/// </summary>
public sealed class PostgresTextStatisticsTests
{
    private const int Take = 10_001;

    private static readonly PostgresTextStatistics.Figures Benchmark = new(0, 100_000,
        new Dictionary<string, double>
        {
            ["island"] = 0.923, ["islandit"] = 0.115, ["strain"] = 0.286, ["film"] = 0.223, ["silicon"] = 0.147, ["graphen"] = 0.137,
            ["oxid"] = 0.132, ["clusteron"] = 0.014,
        },
        UnlistedShare: 0.0031 / 2, PublicShare: 0.297, SharedWithSignedInShare: 0.101);

    private static readonly Actor Anonymous = Actor.Anonymous;
    private static readonly Actor Member = new(Guid.NewGuid(), false, TokenScope.ReadWrite);
    private static readonly Actor Admin = new(Guid.NewGuid(), true, TokenScope.ReadWrite);

    public static TheoryData<string, string, bool> Measured => new()
    {
        // word, reader, walk (measured: walk ms against text indexes ms, psql, median of seven; ninth session)
        { "island", "anonymous", true },     // 12 against 30
        { "island", "member", true },        // 14 against 55
        { "island", "admin", true },         //  5 against 63
        { "strain", "anonymous", false },    // 40 against 14
        { "strain", "member", false },       // 39 against 31
        { "strain", "admin", true },         // 14 against 27
        { "film", "anonymous", false },      // 40 against 12
        { "film", "member", false },         // 44 against 25
        { "film", "admin", true },           // 19 against 25
        { "silicon", "member", false },      // 46 against 19
        { "silicon", "admin", false },       // 25 against 19
        { "graphene", "member", false },     // 48 against 19
        { "graphene", "admin", false },      // 28 against 17
        { "oxide", "admin", false },         // 30 against 17
        { "clusteron", "admin", false },     // 45 against 2
        { "clusteron", "anonymous", false }, // 38 against 1
        { "island*", "anonymous", true },
        { "island strain", "admin", true },
        { "island clusteron", "admin", false },
        { "neverseen", "admin", false },
    };

    [Theory]
    [MemberData(nameof(Measured))]
    public void The_walk_is_chosen_where_it_was_measured_faster(string text, string reader, bool walk)
    {
        var actor = reader switch { "anonymous" => Anonymous, "member" => Member, _ => Admin };
        Assert.Equal(walk, PostgresTextStatistics.PrefersWalk(Benchmark, SearchText.QueryWords(text), actor, Take));
    }

    [Fact]
    public void Without_statistics_the_index_is_used()
    {
        var none = new PostgresTextStatistics.Figures(0, -1, new Dictionary<string, double>(), 0, 0, 0);
        Assert.False(PostgresTextStatistics.PrefersWalk(none, SearchText.QueryWords("island"), Admin, Take));
        Assert.False(PostgresTextStatistics.PrefersWalk(none with { Rows = 100_000 }, SearchText.QueryWords("island"), Anonymous, Take));
    }
}
