using Idrp.Domain.Access;
using Idrp.Domain.Model;
using Idrp.Domain.Search;
using Idrp.Infrastructure.Persistence;

namespace Idrp.Server.Tests;

/// <summary>
/// PostgreSQL's choice between the GIN index and a walk of the primary key for a search's newest matches, on the figures
/// ANALYZE gave for the search benchmark's 100,000 documents, against the plan measured faster for each word and reader
/// (bench/Idrp.Bench.Search/RESULTS.md, "Choosing the walk").
/// </summary>
public sealed class PostgresTextStatisticsTests
{
    private const int Take = 10_001;

    private static readonly PostgresTextStatistics.Figures Benchmark = new(0, 100_000,
        new Dictionary<string, double>
        {
            ["island"] = 0.925, ["islandit"] = 0.114, ["strain"] = 0.290, ["film"] = 0.222, ["silicon"] = 0.150, ["graphen"] = 0.139,
            ["oxid"] = 0.134, ["clusteron"] = 0.015,
        },
        UnlistedShare: 0.0031 / 2, PublicShare: 0.298, SharedWithSignedInShare: 0.099);

    private static readonly Actor Anonymous = Actor.Anonymous;
    private static readonly Actor Member = new(Guid.NewGuid(), false, TokenScope.ReadWrite);
    private static readonly Actor Admin = new(Guid.NewGuid(), true, TokenScope.ReadWrite);

    public static TheoryData<string, string, bool> Measured => new()
    {
        // word, reader, walk (measured: walk ms against GIN index ms, psql, median of five)
        { "island", "anonymous", true },  // 20 against 57
        { "island", "member", true },     // 13 against 61
        { "island", "admin", true },      //  6 against 68
        { "strain", "anonymous", false }, // 48 against 27
        { "strain", "admin", true },      // 14 against 43
        { "film", "anonymous", false },   // 43 against 26
        { "film", "member", false },      // 49 against 28
        { "film", "admin", true },        // 22 against 38
        { "graphene", "member", false },  // 47 against 23
        { "graphene", "admin", false },   // 34 against 21
        { "oxide", "admin", false },      // 36 against 22
        { "clusteron", "admin", false },  // 42 against 3
        { "clusteron", "anonymous", false }, // 49 against 4
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
