using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Idrp.Testing;
using Microsoft.Playwright;
using static Idrp.Web.Tests.Browsing;

namespace Idrp.Web.Tests;

/// <summary>The main journeys through the web UI, in a real browser against a real server.</summary>
public sealed partial class JourneyTests(BrowserFixture fixture)
{
    [Fact]
    public async Task A_pi_registers_a_measurement_uploads_a_file_finds_it_and_shares_it_with_one_colleague_but_not_another()
    {
        var admin = await fixture.Server.AdminAsync();
        var suffix = NewSuffix();
        await admin.CreatePersonAsync($"Alice Ada {suffix}", $"alice.{suffix}");
        await admin.CreatePersonAsync($"Bob Bell {suffix}", $"bob.{suffix}");
        await admin.CreatePersonAsync($"Carol Chen {suffix}", $"carol.{suffix}");

        var alice = await fixture.NewPageAsync();
        await alice.SignInAsync($"alice.{suffix}");
        await Expect(alice.GetByRole(AriaRole.Heading, new() { Name = "My proposals" })).ToBeVisibleAsync();

        // A proposal: the API's validation answers next to the fields.
        await alice.GetByRole(AriaRole.Link, new() { Name = "New proposal" }).ClickAsync();
        await alice.GetByLabel("Proposal number").FillAsync($"UI-{suffix}");
        await alice.GetByLabel("Start date").FillAsync("2026-03-10");
        await alice.GetByLabel("End date").FillAsync("2026-03-01");
        await alice.GetByRole(AriaRole.Button, new() { Name = "Create proposal" }).ClickAsync();
        await Expect(alice.Locator(".field:has(#title) .validation-message")).ToContainTextAsync("required");
        await Expect(alice.Locator(".field:has(#end) .validation-message")).ToHaveTextAsync("The end date is before the start date.");
        await fixture.ScreenshotAsync(alice, "proposal-form-with-errors");
        await alice.GetByLabel("Title").FillAsync("Ge islands on Si(001)");
        await alice.GetByLabel("End date").FillAsync("2026-03-20");
        await alice.GetByRole(AriaRole.Button, new() { Name = "Create proposal" }).ClickAsync();
        await Expect(alice.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync($"UI-{suffix}: Ge islands on Si(001)");

        // An experiment and a sample, from the proposal page.
        await alice.GetByLabel("Name", new() { Exact = true }).First.FillAsync("SEM session 1");
        await alice.GetByRole(AriaRole.Button, new() { Name = "Add experiment" }).ClickAsync();
        await Expect(alice.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("SEM session 1");
        var experimentUrl = alice.Url;
        await alice.GetByRole(AriaRole.Link, new() { Name = $"UI-{suffix}" }).ClickAsync();
        await alice.GetByText("Add a sample").ClickAsync();
        await alice.Locator("#sample-name").FillAsync("SiGe-17");
        await alice.GetByLabel("Composition").FillAsync("Si0.8Ge0.2/Si(001)");
        await alice.GetByRole(AriaRole.Button, new() { Name = "Add sample" }).ClickAsync();
        await Expect(alice.GetByRole(AriaRole.Link, new() { Name = "SiGe-17" })).ToBeVisibleAsync();
        await fixture.VisitAsync(alice, new Uri(alice.Url).AbsolutePath, "proposal");

        // A measurement with its settings; a malformed setting line is explained next to the field.
        await alice.GotoAsync(experimentUrl);
        await alice.GetByRole(AriaRole.Link, new() { Name = "Register a measurement" }).ClickAsync();
        await alice.GetByLabel("Name", new() { Exact = true }).FillAsync("Island field, 50 kx");
        await alice.GetByLabel("Technique").FillAsync("SEM");
        await alice.GetByLabel("Sample").SelectOptionAsync(new SelectOptionValue { Label = "SiGe-17" });
        await alice.GetByLabel("Instrument settings").FillAsync("EHT = 5 kV\nWD 4.2 mm");
        await alice.GetByLabel("Keywords").FillAsync($"SiGe, islands, batch{suffix}");
        await alice.GetByRole(AriaRole.Button, new() { Name = "Register measurement" }).ClickAsync();
        await Expect(alice.Locator(".field:has(#settings) .validation-message")).ToContainTextAsync("Line 2");
        await alice.GetByLabel("Instrument settings").FillAsync("EHT = 5 kV\nWD = 4.2 mm\nDetector = InLens");
        await alice.GetByRole(AriaRole.Button, new() { Name = "Register measurement" }).ClickAsync();
        await Expect(alice.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("Island field, 50 kx");
        var measurementPath = new Uri(alice.Url).AbsolutePath;
        var measurementId = Guid.Parse(measurementPath.Split('/')[^1]);
        await Expect(alice.Locator("table.settings")).ToContainTextAsync("EHT");

        // A file from the browser, over tus with the session cookie.
        var image = SharedData.File("sem/Nanowires/L6_0a6f18702a4a32677c74ed390f3af7af.jpg");
        await alice.GetByLabel("Files", new() { Exact = true }).SetInputFilesAsync(image);
        await alice.GetByLabel("Folder inside the measurement (optional)").FillAsync("raw");
        await alice.GetByRole(AriaRole.Button, new() { Name = "Upload", Exact = true }).ClickAsync();
        await Expect(alice.GetByRole(AriaRole.Status)).ToHaveTextAsync("1 file uploaded.");
        await fixture.VisitAsync(alice, measurementPath, "measurement");
        var stored = await AssetsOfAsync(admin, measurementId);
        var asset = Assert.Single(stored);
        Assert.Equal("complete", asset!["state"]!.GetValue<string>());
        Assert.Equal("raw", asset["relativePath"]!.GetValue<string>());
        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(image))), asset["dataChecksum"]!.GetValue<string>());

        // The file's page: preview and the metadata the server read from it.
        await alice.GetByRole(AriaRole.Link, new() { Name = "L6_0a6f18702a4a32677c74ed390f3af7af.jpg", Exact = true }).ClickAsync();
        await Expect(alice.GetByAltText("Preview of L6_0a6f18702a4a32677c74ed390f3af7af.jpg")).ToBeVisibleAsync();
        // Visible is not loaded: wait (Playwright polls) until the browser has decoded the full 1024-pixel image.
        await Expect(alice.GetByAltText("Preview of L6_0a6f18702a4a32677c74ed390f3af7af.jpg")).ToHaveJSPropertyAsync("naturalWidth", 1024);
        await fixture.VisitAsync(alice, new Uri(alice.Url).AbsolutePath, "asset-image");

        // Found by text from the box in the header, then by facet on the search page; the address holds the search.
        var word = $"batch{suffix}";
        await alice.GetByLabel("Search measurements").FillAsync(word);
        await alice.GetByLabel("Search measurements").PressAsync("Enter");
        await Expect(alice).ToHaveURLAsync(new Regex($"/search\\?q={word}$"));
        await Expect(alice.Locator(".result-count")).ToHaveTextAsync("1–1 of 1 measurement");
        await Expect(alice.Locator("ol.results").GetByRole(AriaRole.Link, new() { Name = "Island field, 50 kx" })).ToHaveAttributeAsync("href", measurementPath);
        await fixture.VisitAsync(alice, new Uri(alice.Url).PathAndQuery, "search-text");

        await alice.GotoAsync("/search?q=islands");
        var proposalFacet = alice.Locator($"aside.facets input[name=proposal][value='UI-{suffix}']");
        await Expect(alice.Locator($"aside.facets label:has(input[name=proposal][value='UI-{suffix}'])")).ToContainTextAsync("Ge islands on Si(001)");
        await proposalFacet.CheckAsync();
        await alice.GetByRole(AriaRole.Button, new() { Name = "Apply filters" }).ClickAsync();
        await Expect(alice).ToHaveURLAsync(new Regex($"proposal=UI-{suffix}"));
        await Expect(alice.Locator("ol.results > li")).ToHaveCountAsync(1);
        await Expect(alice.Locator("ol.results")).ToContainTextAsync("Island field, 50 kx");
        await Expect(proposalFacet).ToBeCheckedAsync();
        await Expect(alice.Locator("aside.facets label:has(input[name=technique][value=SEM]) .count")).ToHaveTextAsync("1");

        // A numeric setting filter with units: EHT was registered as 5 kV. (A refined search shows these fields open.)
        await alice.GetByLabel("Setting condition 1").FillAsync("EHT >= 5000 V");
        await alice.GetByRole(AriaRole.Button, new() { Name = "Apply", Exact = true }).ClickAsync();
        await Expect(alice.Locator("ol.results > li")).ToHaveCountAsync(1);
        await alice.GetByLabel("Setting condition 1").FillAsync("EHT > 5 kV");
        await alice.GetByRole(AriaRole.Button, new() { Name = "Apply", Exact = true }).ClickAsync();
        await Expect(alice.Locator(".result-count")).ToContainTextAsync("Nothing found");
        await alice.GetByLabel("Setting condition 1").FillAsync("EHT > five");
        await alice.GetByRole(AriaRole.Button, new() { Name = "Apply", Exact = true }).ClickAsync();
        await Expect(alice.Locator("#filter-error")).ToContainTextAsync("is not a setting filter");
        await fixture.ScreenshotAsync(alice, "search-filter-error");
        await fixture.VisitAsync(alice, $"/search?q=islands&proposal=UI-{suffix}&filter=EHT%3E%3D5kV", "search-facet-filter");

        // Sharing: with Bob by name, visibility shared.
        await alice.GotoAsync(measurementPath);
        await alice.GetByRole(AriaRole.Link, new() { Name = "Sharing…" }).ClickAsync();
        await alice.GetByLabel("Share with").SelectOptionAsync(new SelectOptionValue { Label = $"Bob Bell {suffix} (NFFA test lab)" });
        await alice.GetByRole(AriaRole.Button, new() { Name = "Share", Exact = true }).ClickAsync();
        await Expect(alice.GetByRole(AriaRole.Status)).ToHaveTextAsync("Shared.");
        await Expect(alice.Locator("ul.people")).ToContainTextAsync($"Bob Bell {suffix}");
        await alice.GetByLabel("Shared — also the people named above").CheckAsync();
        await alice.GetByRole(AriaRole.Button, new() { Name = "Save visibility" }).ClickAsync();
        await Expect(alice.GetByRole(AriaRole.Status)).ToHaveTextAsync("Visibility saved.");
        await fixture.VisitAsync(alice, measurementPath + "/sharing", "sharing");

        // Bob sees the measurement and its file.
        var bob = await fixture.NewPageAsync();
        await bob.SignInAsync($"bob.{suffix}");
        var bobs = await bob.GotoAsync(measurementPath);
        Assert.Equal(200, bobs!.Status);
        await Expect(bob.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("Island field, 50 kx");
        await Expect(bob.GetByRole(AriaRole.Link, new() { Name = "L6_0a6f18702a4a32677c74ed390f3af7af.jpg", Exact = true })).ToBeVisibleAsync();
        await Expect(bob.GetByRole(AriaRole.Link, new() { Name = "Sharing…" })).ToHaveCountAsync(0);
        Assert.Equal(200, (await bob.APIRequest.GetAsync($"/api/v1/data-assets/{asset["id"]!.GetValue<string>()}/content")).Status);
        await bob.GotoAsync($"/search?q={word}");
        await Expect(bob.Locator("ol.results").GetByRole(AriaRole.Link, new() { Name = "Island field, 50 kx" })).ToBeVisibleAsync();
        await Expect(bob.Locator("aside.facets input[name=visibility][value=shared]")).ToBeVisibleAsync();

        // Carol does not: the page answers as if there were nothing, and so does the file.
        var carol = await fixture.NewPageAsync();
        await carol.SignInAsync($"carol.{suffix}");
        var carols = await carol.GotoAsync(measurementPath);
        Assert.Equal(404, carols!.Status);
        await Expect(carol.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Not found");
        await Expect(carol.GetByText("Island field, 50 kx")).ToHaveCountAsync(0);
        Assert.Equal(404, (await carol.GotoAsync($"/assets/{asset["id"]!.GetValue<string>()}"))!.Status);
        Assert.Equal(404, (await carol.APIRequest.GetAsync($"/api/v1/data-assets/{asset["id"]!.GetValue<string>()}/content")).Status);
        await carol.GotoAsync($"/search?q={word}");
        await Expect(carol.Locator(".result-count")).ToContainTextAsync("Nothing found");
        await Expect(carol.Locator("ol.results > li")).ToHaveCountAsync(0);
        await Expect(carol.Locator("aside.facets input")).ToHaveCountAsync(0);
        await carol.GotoAsync($"/search?proposal=UI-{suffix}");
        await Expect(carol.GetByText("Island field, 50 kx")).ToHaveCountAsync(0);

        await fixture.VisitAsync(alice, "/", "my-proposals");
        await Expect(alice.GetByRole(AriaRole.Link, new() { Name = $"UI-{suffix}" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task An_upload_whose_connection_drops_resumes_from_the_last_stored_byte()
    {
        var admin = await fixture.Server.AdminAsync();
        var suffix = NewSuffix();
        var personId = await admin.CreatePersonAsync($"Dora Dunn {suffix}", $"dora.{suffix}");
        var proposal = await admin.CreateProposalAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PutAsync($"/api/v1/proposals/{proposal.Id()}/members/{personId}", new { role = "member" })).StatusCode);
        var experiment = await admin.CreateExperimentAsync(proposal.Id());
        var measurement = await admin.CreateMeasurementAsync(experiment.Id());

        var path = Path.Combine(Path.GetTempPath(), $"idrp-{suffix}.bin");
        var bytes = new byte[(9 * 1024 * 1024) + 12345];
        new Random(17).NextBytes(bytes);
        await File.WriteAllBytesAsync(path, bytes);
        try
        {
            var page = await fixture.NewPageAsync();
            await page.SignInAsync($"dora.{suffix}");
            await page.GotoAsync($"/measurements/{measurement.Id()}");

            // The connection drops when the second chunk is about to go: tus-js-client asks the server
            // how much it has (HEAD) and sends the rest from there.
            var requests = new List<string>();
            var patches = 0;
            await page.RouteAsync("**/api/v1/uploads/**", async route =>
            {
                var request = route.Request;
                var offset = await request.HeaderValueAsync("upload-offset");
                lock (requests)
                {
                    requests.Add($"{request.Method} {offset}".Trim());
                }

                if (request.Method == "PATCH" && Interlocked.Increment(ref patches) == 2)
                {
                    await route.AbortAsync("connectionreset");
                    return;
                }

                await route.ContinueAsync();
            });
            await page.GetByLabel("Files", new() { Exact = true }).SetInputFilesAsync(path);
            await page.GetByRole(AriaRole.Button, new() { Name = "Upload", Exact = true }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("1 file uploaded.");

            const string secondChunk = "PATCH 8388608";
            Assert.Equal(["PATCH 0", secondChunk, "HEAD", secondChunk], requests);
            var asset = Assert.Single(await AssetsOfAsync(admin, measurement.Id()));
            Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes)), asset!["dataChecksum"]!.GetValue<string>());
            Assert.Equal(bytes.Length, asset["dataSize"]!.GetValue<long>());
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static async Task<List<JsonNode?>> AssetsOfAsync(ApiClient client, Guid measurementId) =>
        (await (await client.GetAsync($"/api/v1/data-assets?measurementId={measurementId}")).ReadJsonAsync(HttpStatusCode.OK))["items"]!.AsArray().ToList();
}
