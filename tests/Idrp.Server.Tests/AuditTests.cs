using System.Net;
using Idrp.Testing;

namespace Idrp.Server.Tests;

public sealed class AuditTests(IdrpServer server) : IClassFixture<IdrpServer>
{
    [Fact]
    public async Task Every_change_is_audited_with_who_when_and_before_after()
    {
        var admin = await server.AdminAsync();
        var pi = await admin.CreateUserAsync("Olga");
        var proposal = (await pi.CreateProposalAsync()).Id();
        var measurement = (await pi.CreateMeasurementAsync((await pi.CreateExperimentAsync(proposal)).Id())).Id();
        await (await pi.PatchAsync($"/api/v1/measurements/{measurement}", new { measurementName = "renamed", settings = new object[] { new { key = "EHT", value = 10, unit = "kV" } } }))
            .ReadJsonAsync(HttpStatusCode.OK);

        var events = await (await pi.GetAsync($"/api/v1/audit-events?entityId={measurement}")).ReadJsonAsync(HttpStatusCode.OK);
        var items = events["items"]!.AsArray();
        Assert.Equal(["created", "updated"], items.Select(e => e!["action"]!.GetValue<string>()));
        var update = items[1]!;
        Assert.Equal(pi.PersonId.ToString(), update["actorId"]!.GetValue<string>());
        Assert.Equal("Measurement", update["entityType"]!.GetValue<string>());
        Assert.Equal(proposal.ToString(), update["proposalId"]!.GetValue<string>());
        Assert.Equal("SEM overview", update["before"]!["measurementName"]!.GetValue<string>());
        Assert.Equal("renamed", update["after"]!["measurementName"]!.GetValue<string>());
        Assert.Contains("\"value\":\"5\"", update["before"]!["settings"]!.ToJsonString());
        Assert.Contains("\"value\":\"10\"", update["after"]!["settings"]!.ToJsonString());
    }

    [Fact]
    public async Task Outsiders_see_no_audit_events_of_a_proposal()
    {
        var admin = await server.AdminAsync();
        var pi = await admin.CreateUserAsync("Pia");
        var outsider = await admin.CreateUserAsync("Quinn");
        var proposal = (await pi.CreateProposalAsync()).Id();

        var mine = await (await pi.GetAsync($"/api/v1/audit-events?proposalId={proposal}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.NotEmpty(mine["items"]!.AsArray());
        var theirs = await (await outsider.GetAsync($"/api/v1/audit-events?proposalId={proposal}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Empty(theirs["items"]!.AsArray());
        var all = await (await outsider.GetAsync("/api/v1/audit-events?limit=500")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(all["items"]!.AsArray(), e => e!["proposalId"]?.GetValue<string>() == proposal.ToString());
        var adminView = await (await admin.GetAsync($"/api/v1/audit-events?proposalId={proposal}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(mine["items"]!.AsArray().Count, adminView["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task Token_creation_and_revocation_are_audited_without_the_hash()
    {
        var admin = await server.AdminAsync();
        var user = await admin.CreateUserAsync("Rex");
        var tokens = await (await user.GetAsync("/api/v1/account/tokens")).ReadJsonAsync(HttpStatusCode.OK);
        var id = Assert.Single(tokens.AsArray())!.Id();
        Assert.Equal(HttpStatusCode.NoContent, (await user.DeleteAsync($"/api/v1/account/tokens/{id}")).StatusCode);

        var events = await (await admin.GetAsync($"/api/v1/audit-events?entityId={id}")).ReadJsonAsync(HttpStatusCode.OK);
        var items = events["items"]!.AsArray();
        Assert.Equal(["created", "updated"], items.Select(e => e!["action"]!.GetValue<string>()));
        Assert.Equal("ApiToken", items[0]!["entityType"]!.GetValue<string>());
        Assert.Null(items[0]!["after"]!["hash"]);
        Assert.NotNull(items[1]!["after"]!["revokedAt"]);
    }
}
