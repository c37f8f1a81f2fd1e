using Idrp.Testing;
using Microsoft.Playwright;
using static Idrp.Web.Tests.Browsing;

namespace Idrp.Web.Tests;

/// <summary>The admin pages: facilities and their staff, instruments, people; and the API token page.</summary>
public sealed class AdminTests(BrowserFixture fixture)
{
    [Fact]
    public async Task An_admin_adds_a_facility_an_instrument_and_a_person_who_can_then_sign_in()
    {
        var suffix = NewSuffix();
        var page = await fixture.NewPageAsync();
        await page.SignInAsync("admin", IdrpServer.AdminPassword);
        await page.GetByRole(AriaRole.Link, new() { Name = "Admin" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Facilities" }).ClickAsync();

        await page.GetByLabel("Code").FillAsync("bad code!");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync($"Nano Lab {suffix}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create facility" }).ClickAsync();
        await Expect(page.Locator(".field:has(#code) .validation-message")).ToHaveTextAsync("A facility code uses letters, digits and . _ - only.");
        await page.GetByLabel("Code").FillAsync($"NL-{suffix}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create facility" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync($"Facility NL-{suffix} created.");
        await Expect(page.GetByRole(AriaRole.Cell, new() { Name = $"Nano Lab {suffix}" })).ToBeVisibleAsync();
        await fixture.VisitAsync(page, "/admin/facilities", "admin-facilities");

        await page.GotoAsync("/admin/instruments");
        await page.GetByLabel("Facility").SelectOptionAsync(new SelectOptionValue { Label = $"Nano Lab {suffix}" });
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync($"Supra 40 {suffix}");
        await page.GetByLabel("Technique").FillAsync("SEM");
        await page.GetByLabel("Manufacturer").FillAsync("Zeiss");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create instrument" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync($"Instrument Supra 40 {suffix} created.");
        await fixture.VisitAsync(page, "/admin/instruments", "admin-instruments");

        await page.GotoAsync("/admin/people");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync($"Finn Fog {suffix}");
        await page.GetByLabel("User name").FillAsync($"finn.{suffix}");
        await page.GetByLabel("Password").FillAsync("short");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create person" }).ClickAsync();
        await Expect(page.Locator(".field:has(#password) .validation-message")).ToContainTextAsync("minimum length of 10");
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create person" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync($"Finn Fog {suffix} created.");
        await fixture.VisitAsync(page, "/admin/people", "admin-people");

        var finn = await fixture.NewPageAsync();
        await finn.SignInAsync($"finn.{suffix}");
        await Expect(finn.GetByRole(AriaRole.Link, new() { Name = "Admin" })).ToHaveCountAsync(0);
        Assert.Equal(403, (await finn.APIRequest.PostAsync("/api/v1/facilities", new() { DataObject = new { code = "X", name = "X" } })).Status);
        await finn.GotoAsync("/admin/people");
        await Expect(finn.GetByText("Only admins manage people.")).ToBeVisibleAsync();
        await fixture.VisitAsync(finn, "/account/tokens", "api-tokens");
    }
}
