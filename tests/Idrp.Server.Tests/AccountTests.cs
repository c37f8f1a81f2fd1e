using System.Net;
using System.Net.Http.Json;
using Idrp.Infrastructure.Persistence;
using Idrp.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Idrp.Server.Tests;

public sealed class AccountTests(IdrpServer server) : IClassFixture<IdrpServer>
{
    [Fact]
    public async Task The_first_admin_signs_in_with_the_configured_password()
    {
        using var client = server.NewHttpClient(cookies: true);
        var response = await client.PostAsJsonAsync("/api/v1/account/login", new { userName = "admin", password = IdrpServer.AdminPassword });
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("idrp.session=", StringComparison.Ordinal) && c.Contains("samesite=strict", StringComparison.OrdinalIgnoreCase) && c.Contains("httponly", StringComparison.OrdinalIgnoreCase));
        var me = await (await client.GetAsync("/api/v1/account")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("admin", me["userName"]!.GetValue<string>());
        Assert.True(me["person"]!["isAdmin"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_wrong_password_is_401_and_sets_no_cookie()
    {
        using var client = server.NewHttpClient(cookies: true);
        var response = await client.PostAsJsonAsync("/api/v1/account/login", new { userName = "admin", password = "not the password" });
        await response.ReadProblemAsync(HttpStatusCode.Unauthorized);
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task A_token_secret_is_shown_once_and_stored_only_as_a_hash()
    {
        var admin = await server.AdminAsync();
        var user = new ApiClient(server.NewHttpClient(), server);
        var created = await (await admin.PostAsync("/api/v1/people", new { displayName = "Jo", userName = "jo", password = "a-long-enough-password" })).ReadJsonAsync(HttpStatusCode.Created);
        await user.LoginAsync("jo", "a-long-enough-password");
        var secret = await user.CreateTokenAsync("laptop");

        var list = await (await user.CookieClient.GetAsync("/api/v1/account/tokens")).ReadJsonAsync(HttpStatusCode.OK);
        var listed = Assert.Single(list.AsArray())!;
        Assert.Null(listed["secret"]);
        Assert.StartsWith(listed["prefix"]!.GetValue<string>(), secret, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, list.ToJsonString());

        using var scope = server.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<IdrpDbContext>();
        var stored = await db.ApiTokens.AsNoTracking().SingleAsync(t => t.PersonId == created.Id());
        Assert.NotEqual(secret, stored.Hash);
        Assert.Equal(64, stored.Hash.Length);
        Assert.DoesNotContain(secret[5..], stored.Hash + stored.Prefix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_revoked_token_no_longer_works()
    {
        var admin = await server.AdminAsync();
        var user = await admin.CreateUserAsync("Kim");
        var me = await (await user.GetAsync("/api/v1/account")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(user.PersonId, me.Id());

        var tokens = await (await user.GetAsync("/api/v1/account/tokens")).ReadJsonAsync(HttpStatusCode.OK);
        var id = Assert.Single(tokens.AsArray())!.Id();
        Assert.Equal(HttpStatusCode.NoContent, (await user.DeleteAsync($"/api/v1/account/tokens/{id}")).StatusCode);
        await (await user.GetAsync("/api/v1/account")).ReadProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_read_only_token_reads_but_cannot_change_anything()
    {
        var admin = await server.AdminAsync();
        var writer = await admin.CreateUserAsync("Lee");
        var proposal = await writer.CreateProposalAsync();
        var reader = await admin.CreateUserAsync("Lee Reader", scope: "read");
        Assert.Equal(HttpStatusCode.NoContent, (await writer.PutAsync($"/api/v1/proposals/{proposal.Id()}/members/{reader.PersonId}", new { role = "principalInvestigator" })).StatusCode);

        await (await reader.GetAsync($"/api/v1/proposals/{proposal.Id()}")).ReadJsonAsync(HttpStatusCode.OK);
        var denied = await (await reader.PatchAsync($"/api/v1/proposals/{proposal.Id()}", new { title = "changed" })).ReadProblemAsync(HttpStatusCode.Forbidden);
        Assert.Contains("read-only", denied["detail"]!.GetValue<string>());
        await (await reader.PostAsync("/api/v1/account/tokens", new { name = "escalate" })).ReadProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task People_see_each_others_names_but_only_their_own_email()
    {
        var admin = await server.AdminAsync();
        var a = await admin.CreateUserAsync("Mia");
        var b = await admin.CreateUserAsync("Ned");
        var other = await (await a.GetAsync($"/api/v1/people/{b.PersonId}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("Ned", other["displayName"]!.GetValue<string>());
        Assert.Null(other["email"]);
        var self = await (await a.GetAsync($"/api/v1/people/{a.PersonId}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.NotNull(self["email"]);

        await (await a.PatchAsync($"/api/v1/people/{b.PersonId}", new { affiliation = "x" })).ReadProblemAsync(HttpStatusCode.Forbidden);
        await (await a.PatchAsync($"/api/v1/people/{a.PersonId}", new { isAdmin = true })).ReadProblemAsync(HttpStatusCode.Forbidden);
        var edited = await (await a.PatchAsync($"/api/v1/people/{a.PersonId}", new { orcid = "0000-0002-1825-0097" })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("0000-0002-1825-0097", edited["orcid"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_token_cannot_mint_tokens_change_the_password_or_revoke_other_tokens_but_can_revoke_itself()
    {
        var admin = await server.AdminAsync();
        var user = await admin.CreateUserAsync("Sam");
        await (await user.PostAsync("/api/v1/account/tokens", new { name = "child" })).ReadProblemAsync(HttpStatusCode.Forbidden);
        await (await user.PostAsync("/api/v1/account/password", new { currentPassword = "a-long-enough-password", newPassword = "another-long-password" }))
            .ReadProblemAsync(HttpStatusCode.Forbidden);

        var tokens = await (await user.GetAsync("/api/v1/account/tokens")).ReadJsonAsync(HttpStatusCode.OK);
        var own = Assert.Single(tokens.AsArray())!.Id();
        await (await user.DeleteAsync($"/api/v1/account/tokens/{Guid.CreateVersion7()}")).ReadProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.NoContent, (await user.DeleteAsync($"/api/v1/account/tokens/{own}")).StatusCode);
        await (await user.GetAsync("/api/v1/account")).ReadProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_bad_token_is_refused_even_where_anonymous_reads_are_allowed()
    {
        var forged = new ApiClient(server.NewHttpClient(), server, "idrp_" + new string('y', 43));
        var response = await forged.GetAsync("/api/v1/facilities");
        await response.ReadProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, (await server.Anonymous().GetAsync("/api/v1/facilities")).StatusCode);
    }
}
