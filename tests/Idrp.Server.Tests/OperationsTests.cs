using System.Net;
using System.Text.Json.Nodes;
using Idrp.Testing;

namespace Idrp.Server.Tests;

public sealed class OperationsTests(IdrpServer server) : IClassFixture<IdrpServer>
{
    [Fact]
    public async Task Health_endpoints_answer_without_credentials()
    {
        var anonymous = server.Anonymous();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/live")).StatusCode);
        var ready = await anonymous.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Server_timing_is_told_to_signed_in_callers_only()
    {
        var anonymous = await server.Anonymous().GetAsync("/search?q=nothing");
        Assert.Equal(HttpStatusCode.OK, anonymous.StatusCode);
        Assert.False(anonymous.Headers.Contains("Server-Timing"));

        var admin = await (await server.AdminAsync()).GetAsync("/api/v1/search?q=nothing");
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
        var header = Assert.Single(admin.Headers.GetValues("Server-Timing"));
        Assert.Matches("^app;dur=[0-9.]+, db;dur=[0-9.]+;desc=\"[0-9]+ quer(y|ies)\"$", header);
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_every_entity_and_the_reference_page_is_served()
    {
        var anonymous = server.Anonymous();
        var document = await (await anonymous.GetAsync("/openapi/v1.json")).ReadJsonAsync(HttpStatusCode.OK);
        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToList();
        foreach (var collection in new[] { "facilities", "instruments", "people", "proposals", "experiments", "samples", "measurements", "data-assets", "derivations", "audit-events" })
        {
            Assert.Contains($"/api/v1/{collection}", paths.Select(p => p.TrimEnd('/')));
        }

        Assert.NotNull(document["components"]!["securitySchemes"]!["bearer"]);
        var redirect = await anonymous.GetAsync("/api/docs");
        var page = redirect.StatusCode == HttpStatusCode.Found
            ? await anonymous.GetAsync(new Uri(new Uri(server.BaseAddress, "/api/docs"), redirect.Headers.Location!).AbsolutePath)
            : redirect;
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("text/html", page.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task Endpoints_without_an_explicit_exception_require_sign_in()
    {
        var anonymous = server.Anonymous();
        foreach (var path in new[] { "/api/v1/people", "/api/v1/account/tokens", "/api/v1/audit-events", "/api/v1/account" })
        {
            await (await anonymous.GetAsync(path)).ReadProblemAsync(HttpStatusCode.Unauthorized);
        }
    }

    [Fact]
    public async Task Request_logs_name_method_path_and_status_but_never_tokens_or_passwords()
    {
        var admin = await server.AdminAsync();
        var user = await admin.CreateUserAsync("Rosa");
        var marker = Guid.NewGuid().ToString("N");
        await (await user.PostAsync("/api/v1/proposals", new { proposalNumber = "LOG-" + marker[..8], title = "logging" })).ReadJsonAsync(HttpStatusCode.Created);
        await (await server.Anonymous().PostAsync("/api/v1/account/login", new { userName = "admin", password = "wrong-" + marker })).ReadProblemAsync(HttpStatusCode.Unauthorized);

        var logs = string.Join('\n', server.Logs);
        Assert.Contains("/api/v1/proposals", logs);
        Assert.Contains("201", logs);
        Assert.DoesNotContain(user.Token!, logs);
        Assert.DoesNotContain(user.Token![5..20], logs);
        Assert.DoesNotContain(admin.Token!, logs);
        Assert.DoesNotContain(IdrpServer.AdminPassword, logs);
        Assert.DoesNotContain("wrong-" + marker, logs);
        Assert.DoesNotContain("a-long-enough-password", logs);
    }
}
