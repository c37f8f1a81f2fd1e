using System.Net;
using Idrp.Testing;
using Microsoft.Playwright;
using static Idrp.Web.Tests.Browsing;

namespace Idrp.Web.Tests;

/// <summary>
/// The KMAP viewer on a small synthetic set reduced by kmap.reduce: the strain map, a point's Q-space cube drawn with
/// WebGL (three.js), and a re-run with a sample ROI drawn on the map.
/// </summary>
public sealed class KmapViewerTests(BrowserFixture fixture)
{
    [Fact]
    public async Task A_point_of_the_map_shows_its_cube_in_3d_and_a_rectangle_drawn_on_the_map_re_runs_the_reduction_inside_it()
    {
        var admin = await fixture.Server.AdminAsync();
        var suffix = NewSuffix();
        var personId = await admin.CreatePersonAsync($"Kira Kmap {suffix}", $"kira.{suffix}");
        var proposal = await admin.CreateProposalAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PutAsync($"/api/v1/proposals/{proposal.Id()}/members/{personId}", new { role = "member" })).StatusCode);
        var measurement = (await admin.CreateMeasurementAsync((await admin.CreateExperimentAsync(proposal.Id())).Id(), name: "KMAP Si(004)")).Id();
        var set = await admin.UploadSyntheticAsync(measurement, nx: 4, ny: 3, angles: 11);
        var job = await (await admin.PostAsync("/api/v1/jobs", new { type = "kmap.reduce", measurementId = measurement, parameters = new { d0 = set.Truth.D0 } }))
            .ReadJsonAsync(HttpStatusCode.Accepted);
        var done = await JobsWait.UntilEndedAsync(admin, job.Id());
        Assert.True(done["state"]!.GetValue<string>() == "succeeded", done.ToJsonString());
        var maps = done["outputs"]!.AsArray().Single(o => o!["name"]!.GetValue<string>() == "maps.h5")!["assetId"]!.GetValue<string>();

        var page = await fixture.NewPageAsync();
        await page.SignInAsync($"kira.{suffix}");
        // The asset page of the maps leads to the viewer.
        await page.GotoAsync($"/assets/{maps}");
        await page.GetByRole(AriaRole.Link, new() { Name = "KMAP viewer" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("KMAP Si(004)");
        var map = page.Locator("#kmap-map-canvas");
        await Expect(page.Locator("#kmap-point")).ToContainTextAsync("Point 0");
        await Expect(page.Locator("#kmap-cube-status")).ToContainTextAsync("Point 0:");

        // Click the point in column 2 of row 1 (flat index 1 * 4 + 2 = 6); rows are drawn with the smallest y at the bottom.
        var box = (await map.BoundingBoxAsync())!;
        double CellX(int column) => box.X + ((column + 0.5) * box.Width / 4);
        double CellY(int row) => box.Y + ((3 - row - 0.5) * box.Height / 3);
        await page.Mouse.ClickAsync((float)CellX(2), (float)CellY(1));
        await Expect(page.Locator("#kmap-point")).ToContainTextAsync("Point 6");
        await Expect(page.Locator("#kmap-cube-status")).ToContainTextAsync("Point 6:");

        // WebGL drew the isosurface and the slices: the 3D canvas holds many colours, not just its background.
        Assert.NotEqual("unavailable", await page.Locator("#kmap-3d").GetAttributeAsync("data-webgl"));
        var colours = await page.Locator("#kmap-3d canvas").EvaluateAsync<int>(
            """
            c => {
                const copy = document.createElement('canvas');
                copy.width = c.width; copy.height = c.height;
                const g = copy.getContext('2d');
                g.drawImage(c, 0, 0);
                const data = g.getImageData(0, 0, c.width, c.height).data;
                const seen = new Set();
                for (let i = 0; i < data.length; i += 16) seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
                return seen.size;
            }
            """);
        Assert.True(colours > 50, $"the 3D view shows only {colours} colours");
        // Keyboard: arrow keys move the selection on the map, Enter shows the cube.
        await map.FocusAsync();
        await page.Keyboard.PressAsync("ArrowLeft");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#kmap-cube-status")).ToContainTextAsync("Point 5:");
        await page.GetByLabel("Quantity", new() { Exact = true }).SelectOptionAsync("tilt_x");
        await fixture.ScreenshotAsync(page, "kmap-viewer");

        // Drag from column 1 to column 3 along row 0: three points.
        await page.Mouse.MoveAsync((float)CellX(1), (float)CellY(0));
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync((float)CellX(2), (float)CellY(0), new() { Steps = 4 });
        await page.Mouse.MoveAsync((float)CellX(3), (float)CellY(0), new() { Steps = 4 });
        await page.Mouse.UpAsync();
        await Expect(page.Locator("#kmap-status")).ToContainTextAsync("3 scan point(s)");
        Assert.NotEqual("", await page.Locator("#roi-xmin").InputValueAsync());
        await page.GetByRole(AriaRole.Button, new() { Name = "Re-run" }).ClickAsync();
        await Expect(page.Locator("#kmap-rerun-status")).ToContainTextAsync("succeeded (3 points)", new() { Timeout = 180_000 });
        await page.GetByRole(AriaRole.Link, new() { Name = "Open the new maps" }).ClickAsync();
        await Expect(page.Locator("#kmap-cube-status")).ToContainTextAsync(":");
        var rerun = new Uri(page.Url).AbsolutePath.Split('/')[^1];
        Assert.NotEqual(maps, rerun);
        var points = (await (await admin.GetAsync($"/api/v1/kmap/runs/{rerun}")).ReadJsonAsync(HttpStatusCode.OK))["pointIndex"]!.AsArray().Select(p => p!.GetValue<int>());
        Assert.Equal([1, 2, 3], points.Order());
    }
}
