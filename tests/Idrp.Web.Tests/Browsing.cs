using System.Net;
using Idrp.Testing;
using Microsoft.Playwright;

namespace Idrp.Web.Tests;

/// <summary>What the journeys share: people made through the API, signing in through the page, full page visits.</summary>
internal static class Browsing
{
    public const string Password = "a-long-enough-password";

    static Browsing() => Assertions.SetDefaultExpectTimeout(30_000);

    /// <summary>Creates a person with a sign-in account (as admin) and returns their id.</summary>
    public static async Task<Guid> CreatePersonAsync(this ApiClient admin, string displayName, string userName) =>
        (await (await admin.PostAsync("/api/v1/people", new { displayName, userName, password = Password, affiliation = "NFFA test lab" }))
            .ReadJsonAsync(HttpStatusCode.Created)).Id();

    public static async Task SignInAsync(this IPage page, string userName, string password = Password)
    {
        await page.GotoAsync("/login");
        await page.GetByLabel("User name").FillAsync(userName);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign out" })).ToBeVisibleAsync();
    }

    /// <summary>
    /// Loads <paramref name="path"/> as a full page load, then twice more to record its server time
    /// (the first load of a kind of page also pays for compiling its code), and saves a screenshot.
    /// </summary>
    public static async Task<IResponse> VisitAsync(this BrowserFixture fixture, IPage page, string path, string name)
    {
        // The same measurement of the cheapest answer the server has, taken at the same moment: on a shared,
        // busy machine the difference between the two is what the page itself costs.
        await page.GotoAsync("/health/live");
        await fixture.RecordServerTimeAsync(page, "(baseline) /health/live");

        var response = await page.GotoAsync(path) ?? throw new InvalidOperationException($"No response for {path}.");
        for (var i = 0; i < 2; i++)
        {
            response = await page.ReloadAsync() ?? throw new InvalidOperationException($"No response for {path}.");
            await fixture.RecordServerTimeAsync(page, name);
        }

        await fixture.ScreenshotAsync(page, name);
        return response;
    }

    public static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    public static IPageAssertions Expect(IPage page) => Assertions.Expect(page);

    public static string NewSuffix() => Guid.NewGuid().ToString("N")[..6];
}
