using System.Text.RegularExpressions;
using Idrp.Testing;
using Microsoft.Playwright;
using static Idrp.Web.Tests.Browsing;

namespace Idrp.Web.Tests;

/// <summary>The search page is a plain GET form: it works with JavaScript off, and its address is the search.</summary>
public sealed class SearchPageTests(BrowserFixture fixture)
{
    [Fact]
    public async Task Without_javascript_the_search_form_facets_paging_and_errors_all_work_through_the_address()
    {
        var admin = await fixture.Server.AdminAsync();
        var suffix = "w" + NewSuffix();
        var proposal = await admin.CreateProposalAsync();
        var experiment = await admin.CreateExperimentAsync(proposal.Id());
        foreach (var i in new[] { 1, 2, 3 })
        {
            await admin.CreateMeasurementAsync(experiment.Id(), "public", $"Cleaved edge {i} {suffix}");
        }

        await admin.CreateMeasurementAsync(experiment.Id(), "private", $"Unpublished edge {suffix}");

        // Anonymous, no scripts: the header box submits to /search.
        var page = await fixture.NewPageAsync(javaScript: false);
        await page.GotoAsync("/");
        await page.GetByLabel("Search measurements").FillAsync(suffix);
        await page.GetByLabel("Search measurements").PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(new Regex($"/search\\?q={suffix}$"));
        await Expect(page.Locator(".result-count")).ToHaveTextAsync("1–3 of 3 measurements");
        await Expect(page.GetByText($"Unpublished edge {suffix}")).ToHaveCountAsync(0);
        await Expect(page.Locator("aside.facets label:has(input[name=visibility][value=public]) .count")).ToHaveTextAsync("3");
        await Expect(page.Locator("aside.facets input[name=visibility][value=private]")).ToHaveCountAsync(0);

        // A facet is a checkbox of the same form.
        await page.Locator("aside.facets input[name=technique][value=SEM]").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply filters" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("technique=SEM"));
        await Expect(page.Locator("ol.results > li")).ToHaveCountAsync(3);

        // Pages of results are links that keep the rest of the search.
        await page.GotoAsync($"/search?q={suffix}&technique=SEM&sort=name&limit=2");
        await Expect(page.Locator("ol.results h2")).ToHaveTextAsync([$"Cleaved edge 1 {suffix}", $"Cleaved edge 2 {suffix}"]);
        await page.GetByRole(AriaRole.Link, new() { Name = "Next 1" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("offset=2"));
        await Expect(page).ToHaveURLAsync(new Regex("technique=SEM"));
        await Expect(page.Locator(".result-count")).ToContainTextAsync("3–3 of 3 measurements");
        await Expect(page.Locator("ol.results h2")).ToHaveTextAsync([$"Cleaved edge 3 {suffix}"]);
        await page.GetByRole(AriaRole.Link, new() { Name = "Previous 2" }).ClickAsync();
        await Expect(page.Locator("ol.results > li")).ToHaveCountAsync(2);

        // A malformed date is explained next to its field, with the status the API gives.
        var response = await page.GotoAsync($"/search?q={suffix}&from=2018-13");
        Assert.Equal(422, response!.Status);
        await Expect(page.Locator("#from-error")).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Collected from")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.GetByLabel("Collected from")).ToHaveValueAsync("2018-13");
        await fixture.ScreenshotAsync(page, "search-date-error");
    }
}
