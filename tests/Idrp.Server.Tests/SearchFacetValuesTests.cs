using System.Net;
using System.Text.Json.Nodes;
using Idrp.Server.Features.Search;
using Idrp.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Idrp.Server.Tests.SearchCalls;

namespace Idrp.Server.Tests;

/// <summary>A server whose facet-value cache holds at most four documents (the least it may, with three counted), so that it empties itself often.</summary>
public sealed class IdrpServerWithSmallFacetCache : IdrpServer
{
    public const int FacetCacheSize = 4;

    protected override IReadOnlyDictionary<string, string?> ExtraSettings { get; } =
        new Dictionary<string, string?> { ["Search:CountLimit"] = "3", ["Search:FacetCacheSize"] = "4" };
}

/// <summary>
/// Facets are counted from the values a server keeps in memory per search document (<see cref="FacetValueCache"/>).
/// These tests change and delete records an earlier search counted, and fill the cache past its size: the counts must
/// always be those of the records as they are now.
/// </summary>
public sealed class SearchFacetValuesTests(IdrpServer server) : IClassFixture<IdrpServer>
{
    internal static async Task<Guid> AddAsync(ApiClient owner, Guid experiment, string word, string technique) =>
        (await (await owner.PostAsync("/api/v1/measurements", new { experimentId = experiment, measurementName = $"{word} {technique}", technique }))
            .ReadJsonAsync(HttpStatusCode.Created)).Id();

    [Fact]
    public async Task Facets_follow_edits_and_deletions_of_records_an_earlier_search_counted()
    {
        var word = UniqueWord();
        var admin = await server.AdminAsync();
        var pi = await admin.CreateUserAsync("Facet Values PI");
        var experiment = (await pi.CreateExperimentAsync((await pi.CreateProposalAsync()).Id())).Id();
        var first = await AddAsync(pi, experiment, word, "AAA");
        var second = await AddAsync(pi, experiment, word, "BBB");

        var before = await SearchAsync(pi, $"q={word}");
        Assert.Equal(new Dictionary<string, int> { ["AAA"] = 1, ["BBB"] = 1 }, Facet(before, "technique"));
        Assert.Equal(new Dictionary<string, int> { ["private"] = 2 }, Facet(before, "visibility"));

        // An edit gives the measurement a new search document, whose values the next search reads.
        await (await pi.PatchAsync($"/api/v1/measurements/{first}", new { technique = "CCC", visibility = "public", dateOfCollection = "2016-03-01T00:00:00Z" }))
            .ReadJsonAsync(HttpStatusCode.OK);
        var edited = await SearchAsync(pi, $"q={word}");
        Assert.Equal(new Dictionary<string, int> { ["CCC"] = 1, ["BBB"] = 1 }, Facet(edited, "technique"));
        Assert.Equal(new Dictionary<string, int> { ["private"] = 1, ["public"] = 1 }, Facet(edited, "visibility"));
        Assert.Equal(1, Facet(edited, "year")["2016"]);

        // A deleted measurement is neither counted nor shown.
        Assert.Equal(HttpStatusCode.NoContent, (await pi.DeleteAsync($"/api/v1/measurements/{second}")).StatusCode);
        var deleted = await SearchAsync(pi, $"q={word}");
        Assert.Equal(1, deleted["total"]!.GetValue<int>());
        Assert.Equal(new Dictionary<string, int> { ["CCC"] = 1 }, Facet(deleted, "technique"));
        Assert.Equal(new Dictionary<string, int> { ["public"] = 1 }, Facet(deleted, "visibility"));
    }
}

/// <summary>The cache emptied whenever it would exceed its size: searches still count exactly, and it never holds more.</summary>
public sealed class SearchFacetCacheSizeTests(IdrpServerWithSmallFacetCache server) : IClassFixture<IdrpServerWithSmallFacetCache>
{
    [Fact]
    public async Task A_full_cache_empties_itself_and_every_search_still_counts_exactly()
    {
        var admin = await server.AdminAsync();
        var pi = await admin.CreateUserAsync("Small Cache PI");
        var experiment = (await pi.CreateExperimentAsync((await pi.CreateProposalAsync()).Id())).Id();
        var words = new[] { UniqueWord(), UniqueWord(), UniqueWord() };
        foreach (var word in words)
        {
            await SearchFacetValuesTests.AddAsync(pi, experiment, word, "AAA");
            await SearchFacetValuesTests.AddAsync(pi, experiment, word, "BBB");
            await SearchFacetValuesTests.AddAsync(pi, experiment, word, "BBB");
        }

        var cache = server.Services.GetRequiredService<FacetValueCache>();
        for (var round = 0; round < 2; round++)
        {
            foreach (var word in words)
            {
                var result = await SearchAsync(pi, $"q={word}");
                Assert.Equal(3, result["total"]!.GetValue<int>());
                Assert.Equal(new Dictionary<string, int> { ["AAA"] = 1, ["BBB"] = 2 }, Facet(result, "technique"));
                Assert.InRange(cache.Count, 3, IdrpServerWithSmallFacetCache.FacetCacheSize);
            }
        }
    }
}

/// <summary>A server reads the newest documents' facet values ahead once it has started (<see cref="FacetValueCacheFill"/>).</summary>
public sealed class SearchFacetCacheFillTests(IdrpServer server) : IClassFixture<IdrpServer>
{
    [Fact]
    public async Task After_a_restart_the_cache_holds_every_document_before_any_search_and_searches_count_as_before()
    {
        var ct = TestContext.Current.CancellationToken;
        var word = UniqueWord();
        var admin = await server.AdminAsync();
        var pi = await admin.CreateUserAsync("Fill PI");
        var experiment = (await pi.CreateExperimentAsync((await pi.CreateProposalAsync()).Id())).Id();
        await SearchFacetValuesTests.AddAsync(pi, experiment, word, "AAA");
        await SearchFacetValuesTests.AddAsync(pi, experiment, word, "BBB");
        await SearchFacetValuesTests.AddAsync(pi, experiment, word, "BBB");

        await server.RestartAsync();
        var cache = server.Services.GetRequiredService<FacetValueCache>();
        int documents;
        await using (var scope = server.Services.CreateAsyncScope())
        {
            documents = await scope.ServiceProvider.GetRequiredService<Infrastructure.Persistence.IdrpDbContext>().SearchDocuments.CountAsync(ct);
        }

        // The fill runs in the background after the start; wait for it (no search has run on this server yet).
        for (var waited = 0; cache.Count < documents && waited < 600; waited++)
        {
            await Task.Delay(50, ct);
        }

        Assert.True(documents >= 3 && cache.Count == documents, $"{cache.Count} of {documents} documents in the cache");
        var again = new ApiClient(server.NewHttpClient(), server, pi.Token);
        var result = await SearchAsync(again, $"q={word}");
        Assert.Equal(new Dictionary<string, int> { ["AAA"] = 1, ["BBB"] = 2 }, Facet(result, "technique"));
        Assert.Equal(documents, cache.Count);
    }
}
