using System.Net;
using System.Text.Json.Nodes;
using Idrp.Testing;
using static Idrp.Server.Tests.SearchCalls;

namespace Idrp.Server.Tests;

/// <summary>A server that counts at most three matches per search and ranks two, so that a test can go past the limits with a few records.</summary>
public sealed class IdrpServerWithSearchCountLimit : IdrpServer
{
    public const int CountLimit = 3;

    protected override IReadOnlyDictionary<string, string?> ExtraSettings { get; } =
        new Dictionary<string, string?> { ["Search:CountLimit"] = "3", ["Search:RankLimit"] = "2" };
}

/// <summary>
/// Search:CountLimit: up to it totals and facets are exact; past it the response says <c>capped</c>, the total is the
/// limit, the facets count the most recently indexed readable matches and relevance orders those; records the caller
/// may not read are never among the counted ones, however recent.
/// </summary>
public sealed class SearchCountLimitTests(IdrpServerWithSearchCountLimit server) : IClassFixture<IdrpServerWithSearchCountLimit>
{
    private static async Task<Guid> AddAsync(ApiClient owner, Guid experiment, string word, string technique, string visibility) =>
        (await (await owner.PostAsync("/api/v1/measurements", new { experimentId = experiment, measurementName = $"{word} {technique}", technique, visibility }))
            .ReadJsonAsync(HttpStatusCode.Created)).Id();

    [Fact]
    public async Task Past_the_count_limit_the_total_is_a_lower_bound_and_facets_count_the_most_recent_readable_matches()
    {
        var word = UniqueWord();
        var admin = await server.AdminAsync();
        var pi = await admin.CreateUserAsync("Capped PI");
        var stranger = await admin.CreateUserAsync("Capped Stranger");
        var experiment = (await pi.CreateExperimentAsync((await pi.CreateProposalAsync()).Id())).Id();

        // Indexed in this order; the three most recent are AAA, BBB, BBB.
        var created = new List<Guid>();
        foreach (var technique in new[] { "AAA", "BBB", "AAA", "BBB", "BBB" })
        {
            created.Add(await AddAsync(pi, experiment, word, technique, "private"));
        }

        // At the limit or below: exact, not capped.
        var exact = await SearchAsync(pi, $"q={word}&technique=BBB");
        Assert.Equal(3, exact["total"]!.GetValue<int>());
        Assert.False(exact["capped"]!.GetValue<bool>());
        Assert.Equal(new Dictionary<string, int> { ["BBB"] = 3 }, Facet(exact, "technique"));

        // Past it: the total is the limit, the facets count the three most recent matches, not all five.
        var capped = await SearchAsync(pi, $"q={word}");
        Assert.True(capped["capped"]!.GetValue<bool>());
        Assert.Equal(IdrpServerWithSearchCountLimit.CountLimit, capped["total"]!.GetValue<int>());
        Assert.Equal(new Dictionary<string, int> { ["AAA"] = 1, ["BBB"] = 2 }, Facet(capped, "technique"));
        Assert.Equal(3, Facet(capped, "visibility").Values.Sum());
        Assert.Equal(3, Facet(capped, "proposal").Values.Sum());

        // Relevance orders the counted matches; newest first pages through all of them.
        Assert.Equal(created[2..].Order(), Ids(capped).Order());
        Assert.Null(capped["next"]);
        var newest = await SearchAsync(pi, $"q={word}&sort=newest&limit=5");
        Assert.True(newest["capped"]!.GetValue<bool>());
        Assert.Equal(created.Order(), Ids(newest).Order());

        // The counted matches are readable ones only: a stranger's own newer records do not push the PI's shared ones
        // out of the count, and the PI's private ones are neither counted nor shown to the stranger.
        await (await pi.PatchAsync($"/api/v1/measurements/{created[0]}", new { visibility = "public" })).ReadJsonAsync(HttpStatusCode.OK);
        var strangerExperiment = (await stranger.CreateExperimentAsync((await stranger.CreateProposalAsync()).Id())).Id();
        for (var i = 0; i < 4; i++)
        {
            await AddAsync(stranger, strangerExperiment, word, "CCC", "private");
        }

        var anonymous = await SearchAsync(server.Anonymous(), $"q={word}");
        Assert.False(anonymous["capped"]!.GetValue<bool>());
        Assert.Equal(1, anonymous["total"]!.GetValue<int>());
        Assert.Equal([created[0]], Ids(anonymous));
        Assert.Equal(new Dictionary<string, int> { ["AAA"] = 1 }, Facet(anonymous, "technique"));

        var asStranger = await SearchAsync(stranger, $"q={word}&technique=AAA,BBB");
        Assert.False(asStranger["capped"]!.GetValue<bool>());
        Assert.Equal([created[0]], Ids(asStranger));
        var all = await SearchAsync(stranger, $"q={word}");
        Assert.True(all["capped"]!.GetValue<bool>());
        Assert.Equal(new Dictionary<string, int> { ["CCC"] = 3 }, Facet(all, "technique"));

        var asAdmin = await SearchAsync(admin, $"q={word}&facets=visibility");
        Assert.True(asAdmin["capped"]!.GetValue<bool>());
        Assert.Equal(new Dictionary<string, int> { ["private"] = 3 }, Facet(asAdmin, "visibility"));
    }

    [Fact]
    public async Task Relevance_ranks_the_most_recent_matches_up_to_the_rank_limit_and_the_others_follow_newest_first()
    {
        var word = UniqueWord();
        var pi = await (await server.AdminAsync()).CreateUserAsync("Rank PI");
        var experiment = (await pi.CreateExperimentAsync((await pi.CreateProposalAsync()).Id())).Id();
        async Task<Guid> Add(string name) =>
            (await (await pi.PostAsync("/api/v1/measurements", new { experimentId = experiment, measurementName = name, measurementDescription = name }))
                .ReadJsonAsync(HttpStatusCode.Created)).Id();

        var best = await Add($"{word} {word} {word} {word} alpha");   // the best match, but the oldest: outside the two ranked
        var second = await Add($"{word} {word} twice");
        var newest = await Add($"{word} once alpha");

        var result = await SearchAsync(pi, $"q={word}&facets=none");
        Assert.False(result["capped"]!.GetValue<bool>());
        Assert.Equal([second, newest, best], Ids(result));

        // Paging agrees with the whole list, across the end of the ranked part too.
        Assert.Equal([newest], Ids(await SearchAsync(pi, $"q={word}&facets=none&offset=1&limit=1")));
        Assert.Equal([newest, best], Ids(await SearchAsync(pi, $"q={word}&facets=none&offset=1&limit=2")));
        Assert.Equal([best], Ids(await SearchAsync(pi, $"q={word}&facets=none&offset=2")));

        // Narrowed to two matches, all are ranked: the best comes first.
        Assert.Equal([best, newest], Ids(await SearchAsync(pi, $"q={word}+alpha&facets=none")));
    }
}
