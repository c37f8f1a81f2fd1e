using System.Net;
using Idrp.Testing;
using Microsoft.Playwright;
using static Idrp.Web.Tests.Browsing;

namespace Idrp.Web.Tests;

/// <summary>Edit forms: the same optimistic concurrency as the API's If-Match.</summary>
public sealed class EditTests(BrowserFixture fixture)
{
    [Fact]
    public async Task Saving_a_form_for_a_measurement_that_changed_meanwhile_says_so_instead_of_overwriting()
    {
        var admin = await fixture.Server.AdminAsync();
        var suffix = NewSuffix();
        var personId = await admin.CreatePersonAsync($"Hana Holm {suffix}", $"hana.{suffix}");
        var proposal = await admin.CreateProposalAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PutAsync($"/api/v1/proposals/{proposal.Id()}/members/{personId}", new { role = "member" })).StatusCode);
        var experiment = await admin.CreateExperimentAsync(proposal.Id());
        var measurement = await admin.CreateMeasurementAsync(experiment.Id(), name: "Tilt series");

        var page = await fixture.NewPageAsync();
        await page.SignInAsync($"hana.{suffix}");
        await fixture.VisitAsync(page, $"/measurements/{measurement.Id()}/edit", "measurement-edit");
        await Expect(page.GetByLabel("Instrument settings")).ToHaveValueAsync("EHT = 5 kV\nDetector = InLens\n");

        // Someone else renames it through the API while the form is open.
        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsync($"/api/v1/measurements/{measurement.Id()}", new { measurementName = "Tilt series, 0-60 degrees" })).StatusCode);

        await page.GetByLabel("Description").FillAsync("Tilted in steps of 5 degrees");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("The record has changed since you read it");
        var stored = await (await admin.GetAsync($"/api/v1/measurements/{measurement.Id()}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("Tilt series, 0-60 degrees", stored["measurementName"]!.GetValue<string>());
        Assert.Null(stored["measurementDescription"]);

        // Read again, change again: now it is saved, and the other change is kept.
        await page.GotoAsync($"/measurements/{measurement.Id()}/edit");
        await Expect(page.GetByLabel("Name", new() { Exact = true })).ToHaveValueAsync("Tilt series, 0-60 degrees");
        await page.GetByLabel("Description").FillAsync("Tilted in steps of 5 degrees");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("Tilt series, 0-60 degrees");
        await Expect(page.Locator(".abstract")).ToHaveTextAsync("Tilted in steps of 5 degrees");
        stored = await (await admin.GetAsync($"/api/v1/measurements/{measurement.Id()}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("Tilted in steps of 5 degrees", stored["measurementDescription"]!.GetValue<string>());
        Assert.Equal(["SiGe", "islands"], stored["keywords"]!.AsArray().Select(k => k!.GetValue<string>()));
    }
}
