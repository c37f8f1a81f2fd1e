using System.Net;
using Idrp.Testing;
using Microsoft.Playwright;
using PureHDF;
using static Idrp.Web.Tests.Browsing;

namespace Idrp.Web.Tests;

/// <summary>A data asset's page: the HDF5 tree, plots of 1D and 2D datasets, provenance both ways.</summary>
public sealed class PreviewTests(BrowserFixture fixture)
{
    [Fact]
    public async Task An_hdf5_file_shows_its_tree_plots_its_datasets_and_where_it_came_from_and_went()
    {
        var admin = await fixture.Server.AdminAsync();
        var suffix = NewSuffix();
        var personId = await admin.CreatePersonAsync($"Emil Eck {suffix}", $"emil.{suffix}");
        var proposal = await admin.CreateProposalAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PutAsync($"/api/v1/proposals/{proposal.Id()}/members/{personId}", new { role = "member" })).StatusCode);
        var experiment = await admin.CreateExperimentAsync(proposal.Id());
        var measurement = await admin.CreateMeasurementAsync(experiment.Id(), name: "KMAP scan 7");

        var path = Path.Combine(Path.GetTempPath(), $"idrp-{suffix}.h5");
        var file = new H5File { Attributes = { ["instrument"] = "ID01" } };
        var spectrum = Enumerable.Range(0, 500).Select(i => Math.Sin(i / 20.0) * 100).ToArray();
        var map = new double[40, 60];
        for (var r = 0; r < 40; r++)
        {
            for (var c = 0; c < 60; c++)
            {
                map[r, c] = r * c;
            }
        }

        file["entry"] = new H5Group
        {
            ["spectrum"] = new H5Dataset(spectrum) { Attributes = { ["units"] = "counts" } },
            ["map"] = new H5Dataset(map) { Attributes = { ["units"] = "counts/s" } },
        };
        file.Write(path);
        var bytes = await File.ReadAllBytesAsync(path);
        File.Delete(path);
        var scan = await UploadAsync(admin, measurement.Id(), "scan.h5", bytes);
        var strain = await admin.CreateLinkedAssetAsync(measurement.Id(), "strain_map.tif");
        await (await admin.PostAsync("/api/v1/derivations", new { outputAssetId = strain.Id(), activity = "kmap-strain", activityVersion = "0.1.0", inputAssetIds = new[] { scan } }))
            .ReadJsonAsync(HttpStatusCode.Created);

        var page = await fixture.NewPageAsync();
        await page.SignInAsync($"emil.{suffix}");
        await fixture.VisitAsync(page, $"/assets/{scan}", "asset-hdf5");
        var tree = page.GetByRole(AriaRole.Tree);
        await Expect(tree).ToContainTextAsync("entry");
        await Expect(tree).ToContainTextAsync("spectrum");
        await Expect(tree).ToContainTextAsync("[500]");
        await Expect(tree).ToContainTextAsync("[40 × 60]");
        await Expect(tree).ToContainTextAsync("@units = counts/s");
        await Expect(page.Locator("dl.facts").Last).ToContainTextAsync("HDF5");

        // The first plottable dataset is drawn as a line; the 2D one as an image once chosen.
        await Expect(page.Locator("figcaption")).ToContainTextAsync("/entry/spectrum — 500 values");
        await Expect(page.GetByRole(AriaRole.Img, new() { Name = "Line plot of /entry/spectrum" })).ToBeVisibleAsync();
        await page.GetByLabel("Dataset", new() { Exact = true }).SelectOptionAsync("/entry/map");
        await page.GetByRole(AriaRole.Button, new() { Name = "Plot" }).ClickAsync();
        var image = page.Locator("img.plot-image");
        await Expect(image).ToBeVisibleAsync();
        Assert.Equal(60, await image.EvaluateAsync<int>("img => img.naturalWidth"));
        Assert.Equal(40, await image.EvaluateAsync<int>("img => img.naturalHeight"));
        await Expect(page.Locator("figcaption")).ToContainTextAsync("grey from 0 to 2301");
        await fixture.ScreenshotAsync(page, "asset-hdf5-map");

        // Provenance both ways.
        await Expect(page.Locator("section:has(#into-heading)")).ToContainTextAsync("kmap-strain 0.1.0");
        await page.GetByRole(AriaRole.Link, new() { Name = "strain_map.tif" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("strain_map.tif");
        await Expect(page.Locator("section:has(#from-heading)")).ToContainTextAsync("kmap-strain");
        await Expect(page.Locator("section:has(#from-heading)").GetByRole(AriaRole.Link, new() { Name = "scan.h5" })).ToBeVisibleAsync();
        await fixture.VisitAsync(page, new Uri(page.Url).AbsolutePath, "asset-provenance");
    }

    private static async Task<Guid> UploadAsync(ApiClient client, Guid measurementId, string name, byte[] bytes)
    {
        var created = await client.CreateAsync(bytes.Length, Tus.Metadata(("measurementId", measurementId.ToString()), ("filename", name)));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var location = created.Headers.Location!.ToString();
        Assert.Equal(HttpStatusCode.NoContent, (await client.PatchAsync(location, 0, bytes)).StatusCode);
        return Guid.Parse(created.Headers.GetValues("X-Idrp-Asset-Id").Single());
    }
}
