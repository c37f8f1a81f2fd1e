using System.Net;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Idrp.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Idrp.Web.Tests.Browsing;

namespace Idrp.Web.Tests;

/// <summary>
/// Pages over many records: a proposal with 300 measurements, a measurement with 1,000 files. Lists are
/// bounded and paged, so a page does the same work whatever the size; the server time of each visit goes
/// to screenshots/page-timings.tsv.
/// </summary>
public sealed class ScaleTests(BrowserFixture fixture)
{
    private const int Measurements = 300;
    private const int Files = 1_000;

    [Fact]
    public async Task A_measurement_with_thousands_of_files_lists_them_two_hundred_at_a_time()
    {
        var admin = await fixture.Server.AdminAsync();
        var suffix = NewSuffix();
        var personId = await admin.CreatePersonAsync($"Gus Gray {suffix}", $"gus.{suffix}");
        var proposal = await admin.CreateProposalAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PutAsync($"/api/v1/proposals/{proposal.Id()}/members/{personId}", new { role = "member" })).StatusCode);
        var experiment = await admin.CreateExperimentAsync(proposal.Id());
        var (big, small) = await SeedAsync(proposal.Id(), experiment.Id());

        var page = await fixture.NewPageAsync();
        await page.SignInAsync($"gus.{suffix}");
        await fixture.VisitAsync(page, $"/measurements/{big}", "scale-measurement-1k-files");
        var bigQueries = await BrowserFixture.ServerQueriesAsync(page);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Files ({Files})" })).ToBeVisibleAsync();
        await Expect(page.Locator("table tbody tr:has(a[href^='/assets/'])")).ToHaveCountAsync(200);
        var first = await page.Locator("table tbody tr a[href^='/assets/']").AllTextContentsAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Next 200 files" }).ClickAsync();
        await Expect(page.Locator("table tbody tr a[href^='/assets/']").First).Not.ToHaveTextAsync(first[0]);
        await Expect(page.Locator("table tbody tr:has(a[href^='/assets/'])")).ToHaveCountAsync(200);
        var second = await page.Locator("table tbody tr a[href^='/assets/']").AllTextContentsAsync();
        Assert.Empty(first.Intersect(second));
        Assert.All(first.Concat(second), name => Assert.Matches("^file_[0-9]{5}\\.tif$", name));
        var asset = await page.Locator("table tbody tr a[href^='/assets/']").First.GetAttributeAsync("href");
        await fixture.VisitAsync(page, asset!, "scale-asset");

        await fixture.VisitAsync(page, $"/proposals/{proposal.Id()}", "scale-proposal-300-measurements");
        await Expect(page.Locator("section:has(#measurements-heading) tbody tr")).ToHaveCountAsync(50);
        await fixture.VisitAsync(page, $"/experiments/{experiment.Id()}", "scale-experiment-300-measurements");
        await Expect(page.Locator("tbody tr")).ToHaveCountAsync(200);
        await fixture.VisitAsync(page, "/", "scale-my-proposals");

        // No query per row: a page with 1,000 files (200 shown) asks the database as often as one with none, and a
        // search page of 20 results out of 300 as often as one of a single result.
        await page.GotoAsync($"/measurements/{small}");
        Assert.Equal(await BrowserFixture.ServerQueriesAsync(page), bigQueries);
        await fixture.VisitAsync(page, "/search?q=scan", "scale-search-300-measurements");
        await Expect(page.Locator("ol.results > li")).ToHaveCountAsync(20);
        await Expect(page.Locator(".result-count")).ToHaveTextAsync("1–20 of 300 measurements");
        var manyQueries = await BrowserFixture.ServerQueriesAsync(page);
        await page.GotoAsync("/search?q=scan+00150"); // (the big measurement also holds file_00007.tif, among its first files, which are searched)
        await Expect(page.Locator("ol.results > li")).ToHaveCountAsync(1);
        Assert.Equal(manyQueries, await BrowserFixture.ServerQueriesAsync(page));
    }

    /// <summary>Writes the records straight into the database (the API would take minutes for this many); returns the ids of the big measurement and of one without files.</summary>
    private async Task<(Guid Big, Guid Small)> SeedAsync(Guid proposalId, Guid experimentId)
    {
        await using var scope = fixture.Server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdrpDbContext>();
        var measurements = Enumerable.Range(0, Measurements).Select(i => new Measurement
        {
            ProposalId = proposalId,
            ExperimentId = experimentId,
            MeasurementName = $"Scan {i:00000}",
            Technique = "SEM",
            Settings = [new InstrumentSetting { Key = "EHT", Value = "5", Kind = SettingKind.Number, NumericValue = 5, Unit = "kV" }],
        }).ToList();
        db.Measurements.AddRange(measurements);
        var big = measurements[^1];
        db.DataAssets.AddRange(Enumerable.Range(0, Files).Select(i => new DataAsset
        {
            ProposalId = proposalId,
            MeasurementId = big.Id,
            DataAssetName = $"file_{i:00000}.tif",
            RelativePath = $"raw/tile-{i / 1000}",
            Storage = StorageKind.Linked,
            State = AssetState.Complete,
            LinkUri = $"https://archive.example.org/sem/file_{i:00000}.tif",
            DataSize = 2_359_808,
            DataChecksum = "sha256:" + new string('a', 64),
        }));
        await db.SaveChangesAsync();
        return (big.Id, measurements[0].Id);
    }
}
