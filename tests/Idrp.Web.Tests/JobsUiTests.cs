using System.Net;
using System.Text.RegularExpressions;
using Idrp.Testing;
using Microsoft.Playwright;
using static Idrp.Web.Tests.Browsing;

namespace Idrp.Web.Tests;

/// <summary>Analysis jobs from the web UI: submitted from the measurement page, followed on the job's page, listed.</summary>
public sealed partial class JobsUiTests(BrowserFixture fixture)
{
    [Fact]
    public async Task A_member_runs_thumbnails_from_the_measurement_page_watches_it_succeed_and_follows_to_the_output()
    {
        var admin = await fixture.Server.AdminAsync();
        var suffix = NewSuffix();
        var personId = await admin.CreatePersonAsync($"Erin Eck {suffix}", $"erin.{suffix}");
        var proposal = await admin.CreateProposalAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PutAsync($"/api/v1/proposals/{proposal.Id()}/members/{personId}", new { role = "member" })).StatusCode);
        var experiment = await admin.CreateExperimentAsync(proposal.Id());
        var measurement = await admin.CreateMeasurementAsync(experiment.Id(), name: "Nanowire field");
        var image = await File.ReadAllBytesAsync(SharedData.File("sem/Nanowires/L6_0a6f18702a4a32677c74ed390f3af7af.jpg"));
        await admin.UploadFileAsync(measurement.Id(), "wires.jpg", image);

        var page = await fixture.NewPageAsync();
        await page.SignInAsync($"erin.{suffix}");
        await page.GotoAsync($"/measurements/{measurement.Id()}");
        await page.Locator("summary", new() { HasText = "Run analysis" }).ClickAsync();
        var form = page.GetByRole(AriaRole.Form, new() { Name = "thumbnails version 1" });
        await Expect(form.GetByLabel("Size")).ToHaveValueAsync("256");

        // A value outside the schema's range is refused by the job frame and said next to the field.
        await form.GetByLabel("Size").FillAsync("5");
        await form.GetByRole(AriaRole.Button, new() { Name = "Run thumbnails" }).ClickAsync();
        form = page.GetByRole(AriaRole.Form, new() { Name = "thumbnails version 1" });
        await Expect(form.Locator("#size-error")).ToContainTextAsync("32");
        await Expect(form.GetByLabel("Size")).ToHaveValueAsync("5");

        await form.GetByLabel("Size").FillAsync("128");
        await form.GetByRole(AriaRole.Button, new() { Name = "Run thumbnails" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(JobAddress());
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("thumbnails");

        // The page follows the job by itself until it ends.
        await Expect(page.Locator("#job-live .badge")).ToHaveTextAsync("succeeded");
        await Expect(page.Locator("#job-live")).Not.ToHaveAttributeAsync("data-refresh", new Regex("."));
        await Expect(page.Locator("pre.json").Last).ToContainTextAsync("\"size\": 128");
        await Expect(page.Locator("ol.log")).ToContainTextAsync("Succeeded");
        await fixture.VisitAsync(page, new Uri(page.Url).AbsolutePath, "job");

        await page.GetByRole(AriaRole.Link, new() { Name = "previews/wires.jpg.png" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("wires.jpg.png");
        await Expect(page.Locator("body")).ToContainTextAsync("thumbnails");

        // The jobs page and the measurement page list it.
        await fixture.VisitAsync(page, "/jobs", "jobs");
        await Expect(page.Locator("table.jobs tbody tr").Filter(new() { HasText = "Nanowire field" })).ToContainTextAsync("succeeded");
        await page.GotoAsync($"/measurements/{measurement.Id()}");
        await Expect(page.Locator("#analysis table.jobs")).ToContainTextAsync("succeeded");
    }

    [Fact]
    public async Task A_running_job_can_be_cancelled_and_retried_from_its_page_and_others_cannot_see_it()
    {
        var admin = await fixture.Server.AdminAsync();
        var suffix = NewSuffix();
        var personId = await admin.CreatePersonAsync($"Finn Fox {suffix}", $"finn.{suffix}");
        await admin.CreatePersonAsync($"Gail Gold {suffix}", $"gail.{suffix}");
        var proposal = await admin.CreateProposalAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PutAsync($"/api/v1/proposals/{proposal.Id()}/members/{personId}", new { role = "member" })).StatusCode);
        var experiment = await admin.CreateExperimentAsync(proposal.Id());
        var measurement = await admin.CreateMeasurementAsync(experiment.Id());
        await admin.UploadFileAsync(measurement.Id(), "notes.txt", "not an image"u8.ToArray());

        var page = await fixture.NewPageAsync();
        await page.SignInAsync($"finn.{suffix}");
        await page.GotoAsync($"/measurements/{measurement.Id()}");
        await page.Locator("summary", new() { HasText = "Run analysis" }).ClickAsync();
        var form = page.GetByRole(AriaRole.Form, new() { Name = "test.slow-copy version 1" });
        await form.GetByLabel("Seconds").FillAsync("120");
        await form.GetByLabel("Tag").FillAsync("long");
        await form.GetByRole(AriaRole.Button, new() { Name = "Run test.slow-copy" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(JobAddress());
        var jobPath = new Uri(page.Url).AbsolutePath;
        await Expect(page.Locator("#job-live .badge")).ToHaveTextAsync("running");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Retry job" })).ToHaveCountAsync(0);
        await fixture.ScreenshotAsync(page, "job-running");

        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel job" }).ClickAsync();
        await Expect(page.Locator("#job-live .badge")).ToHaveTextAsync("cancelled");
        await Expect(page.Locator("ol.log")).ToContainTextAsync("Cancel requested by Finn Fox");
        await page.GetByRole(AriaRole.Button, new() { Name = "Retry job" }).ClickAsync();
        await Expect(page.Locator("#job-live .badge")).ToHaveTextAsync(new Regex("^(queued|running)$"));
        await Expect(page.Locator("ol.log")).ToContainTextAsync("Retry requested by Finn Fox");
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel job" }).ClickAsync();
        await Expect(page.Locator("#job-live .badge")).ToHaveTextAsync("cancelled");

        // Someone outside the proposal gets the same 404 as for a job that does not exist.
        var gail = await fixture.NewPageAsync();
        await gail.SignInAsync($"gail.{suffix}");
        Assert.Equal(404, (await gail.GotoAsync(jobPath))!.Status);
        await gail.GotoAsync("/jobs");
        await Expect(gail.Locator($"a[href='{jobPath}']")).ToHaveCountAsync(0);
    }

    private static Regex JobAddress() => JobAddressPattern();

    [GeneratedRegex("/jobs/[0-9a-f-]{36}$")]
    private static partial Regex JobAddressPattern();
}
