using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Idrp.Testing;

namespace Idrp.Server.Tests;

/// <summary>The server-rendered web UI driven by plain form posts, as a browser without scripts would.</summary>
public sealed partial class WebUiTests(IdrpServer server) : IClassFixture<IdrpServer>
{
    [Fact]
    public async Task A_person_signs_in_sees_their_proposals_and_makes_an_api_token_that_works()
    {
        var admin = await server.AdminAsync();
        await (await admin.PostAsync("/api/v1/people", new { displayName = "Uma", userName = "uma", password = "a-long-enough-password" }))
            .ReadJsonAsync(HttpStatusCode.Created);
        using var browser = server.NewHttpClient(cookies: true);

        var signIn = await PostFormAsync(browser, "/login", "login", new() { ["Input.UserName"] = "uma", ["Input.Password"] = "a-long-enough-password" });
        Assert.Equal(HttpStatusCode.Found, signIn.StatusCode);
        Assert.Equal("/", signIn.Headers.Location!.AbsolutePath);

        var home = await browser.GetStringAsync("/");
        Assert.Contains("My proposals", home);
        Assert.Contains("not a member of any proposal", home);

        var created = await PostFormAsync(browser, "/account/tokens", "create-token", new() { ["Create.Name"] = "lab PC", ["Create.Scope"] = "ReadWrite", ["Create.ExpiresInDays"] = "30" });
        var page = await created.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var secret = SecretPattern().Match(page).Value;
        Assert.StartsWith("idrp_", secret);

        using var script = server.NewHttpClient();
        script.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        var proposal = await (await new ApiClient(script, server).PostAsync("/api/v1/proposals", new { proposalNumber = "UI-1", title = "Made with a UI token" }))
            .ReadJsonAsync(HttpStatusCode.Created);
        Assert.Contains("UI-1", await browser.GetStringAsync("/"));

        // The list shows the token, never its secret again.
        var list = await browser.GetStringAsync("/account/tokens");
        Assert.Contains("lab PC", list);
        Assert.DoesNotContain(secret, list);
        Assert.NotEqual(Guid.Empty, proposal.Id());
    }

    [Fact]
    public async Task A_wrong_password_shows_an_error_and_signs_nobody_in()
    {
        using var browser = server.NewHttpClient(cookies: true);
        var response = await PostFormAsync(browser, "/login", "login", new() { ["Input.UserName"] = "admin", ["Input.Password"] = "wrong password" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("The user name or password is wrong.", await response.Content.ReadAsStringAsync());
        var tokens = await browser.GetAsync("/account/tokens");
        Assert.Equal(HttpStatusCode.Found, tokens.StatusCode);
        Assert.StartsWith("/login", tokens.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task Every_edit_form_is_rendered_whenever_its_queries_complete()
    {
        var admin = await server.AdminAsync();
        var proposal = (await admin.CreateProposalAsync()).Id();
        var experiment = (await admin.CreateExperimentAsync(proposal)).Id();
        var sample = (await admin.CreateSampleAsync(proposal)).Id();
        var measurement = (await admin.CreateMeasurementAsync(experiment)).Id();
        var browser = server.Anonymous();
        await browser.LoginAsync("admin", IdrpServer.AdminPassword);
        (string Path, string Form)[] pages =
        [
            ("/proposals/new", "proposal"), ($"/proposals/{proposal}/edit", "proposal"), ($"/experiments/{experiment}", "edit-experiment"),
            ($"/experiments/{experiment}/measurements/new", "measurement"), ($"/measurements/{measurement}/edit", "measurement"),
            ($"/samples/{sample}", "edit-sample"), ($"/measurements/{measurement}/sharing", "publication"),
        ];

        // On PostgreSQL a query may or may not complete at once, and the page renders at the first await that does not:
        // a form rendered before its EditContext existed made these pages answer 500 now and then. Each is loaded a few times.
        for (var i = 0; i < 5; i++)
        {
            foreach (var (path, form) in pages)
            {
                var response = await browser.CookieClient.GetAsync(path, TestContext.Current.CancellationToken);
                var html = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode}");
                Assert.Contains($"name=\"_handler\" value=\"{form}\"", html, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task Sign_in_only_returns_to_local_pages()
    {
        using var browser = server.NewHttpClient(cookies: true);
        var response = await PostFormAsync(browser, "/login?ReturnUrl=https%3A%2F%2Fevil.example%2F", "login",
            new() { ["Input.UserName"] = "admin", ["Input.Password"] = IdrpServer.AdminPassword });
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal(server.BaseAddress.Host, response.Headers.Location!.Host);
    }

    private static async Task<HttpResponseMessage> PostFormAsync(HttpClient browser, string path, string formName, Dictionary<string, string> fields)
    {
        var form = await browser.GetStringAsync(path);
        var antiforgery = AntiforgeryPattern().Match(form);
        Assert.True(antiforgery.Success, "The page has no antiforgery token.");
        fields["__RequestVerificationToken"] = WebUtility.HtmlDecode(antiforgery.Groups[1].Value);
        fields["_handler"] = formName;
        return await browser.PostAsync(path, new FormUrlEncodedContent(fields));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryPattern();

    [GeneratedRegex("idrp_[A-Za-z0-9_-]{43}")]
    private static partial Regex SecretPattern();
}
