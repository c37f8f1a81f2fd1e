using System.Net;
using System.Text.Json.Nodes;
using Idrp.Testing;

namespace Idrp.Server.Tests;

/// <summary>
/// One proposal per visibility state, each with an experiment, a sample, a measurement and a data asset,
/// and a cast of actors around them. Built once; the tests here only read it.
/// </summary>
public sealed class AccessWorld : IAsyncLifetime
{
    public static readonly string[] States = ["private", "shared-named", "shared-all", "public", "public-embargoed", "public-embargo-over"];
    public static readonly string[] Actors = ["admin", "pi", "member", "staff", "sharee", "stranger", "anonymous"];

    public IdrpServer Server { get; } = new();

    public Dictionary<string, ApiClient> Clients { get; } = [];

    public Dictionary<string, Ids> Records { get; } = [];

    public sealed record Ids(Guid Proposal, Guid Experiment, Guid Sample, Guid Measurement, Guid Asset);

    public async ValueTask InitializeAsync()
    {
        await Server.InitializeAsync();
        var admin = await Server.AdminAsync();
        var facility = (await admin.CreateFacilityAsync()).Id();
        Clients["admin"] = admin;
        foreach (var name in new[] { "pi", "member", "staff", "sharee", "stranger" })
        {
            Clients[name] = await admin.CreateUserAsync(name);
        }

        Clients["anonymous"] = Server.Anonymous();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PutAsync($"/api/v1/facilities/{facility}/staff/{Clients["staff"].PersonId}", new { })).StatusCode);

        var pi = Clients["pi"];
        foreach (var state in States)
        {
            var proposal = (await pi.CreateProposalAsync(facility)).Id();
            Assert.Equal(HttpStatusCode.NoContent, (await pi.PutAsync($"/api/v1/proposals/{proposal}/members/{Clients["member"].PersonId}", new { role = "member" })).StatusCode);
            var experiment = (await pi.CreateExperimentAsync(proposal)).Id();
            var sample = (await pi.CreateSampleAsync(proposal)).Id();
            var measurement = (await pi.CreateMeasurementAsync(experiment, name: "measurement " + state)).Id();
            Assert.Equal(HttpStatusCode.OK, (await pi.PatchAsync($"/api/v1/measurements/{measurement}", new { sampleId = sample })).StatusCode);
            var asset = (await pi.CreateLinkedAssetAsync(measurement)).Id();
            Assert.Equal(HttpStatusCode.NoContent, (await pi.PutAsync($"/api/v1/measurements/{measurement}/shares/{Clients["sharee"].PersonId}", new { })).StatusCode);
            object patch = state switch
            {
                "private" => new { },
                "shared-named" => new { visibility = "shared" },
                "shared-all" => new { visibility = "shared", sharedWithSignedInUsers = true },
                "public" => new { visibility = "public" },
                "public-embargoed" => new { visibility = "public", embargoUntil = DateTimeOffset.UtcNow.AddDays(30) },
                "public-embargo-over" => new { visibility = "public", embargoUntil = DateTimeOffset.UtcNow.AddDays(-1) },
                _ => throw new ArgumentOutOfRangeException(nameof(state)),
            };
            await (await pi.PatchAsync($"/api/v1/measurements/{measurement}", patch)).ReadJsonAsync(HttpStatusCode.OK);
            Records[state] = new Ids(proposal, experiment, sample, measurement, asset);
        }
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}

public sealed class AccessMatrixTests(AccessWorld world) : IClassFixture<AccessWorld>
{
    /// <summary>Who may read each state: the access model of docs/architecture.md, written out.</summary>
    private static bool ExpectedReadable(string state, string actor) => actor switch
    {
        "admin" or "pi" or "member" or "staff" => true,
        "sharee" => state != "private",
        "stranger" => state is "shared-all" or "public" or "public-embargo-over",
        "anonymous" => state is "public" or "public-embargo-over",
        _ => throw new ArgumentOutOfRangeException(nameof(actor)),
    };

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var state in AccessWorld.States)
        {
            foreach (var actor in AccessWorld.Actors)
            {
                data.Add(state, actor);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Reading_by_id_and_listing_agree_with_the_access_model(string state, string actor)
    {
        var client = world.Clients[actor];
        var ids = world.Records[state];
        var expected = ExpectedReadable(state, actor);
        var status = expected ? HttpStatusCode.OK : HttpStatusCode.NotFound;

        foreach (var path in new[]
        {
            $"/api/v1/measurements/{ids.Measurement}",
            $"/api/v1/data-assets/{ids.Asset}",
            $"/api/v1/proposals/{ids.Proposal}",
            $"/api/v1/experiments/{ids.Experiment}",
            $"/api/v1/samples/{ids.Sample}",
        })
        {
            var response = await client.GetAsync(path);
            Assert.True(status == response.StatusCode, $"{actor} reading {state} {path}: expected {status}, got {response.StatusCode}");
            if (!expected)
            {
                // Not readable looks exactly like not there.
                var problem = await response.ReadProblemAsync(HttpStatusCode.NotFound);
                Assert.Equal("https://idrp.dev/problems/not-found", problem["type"]!.GetValue<string>());
            }
        }

        Assert.Equal(expected, await Lists(client, $"/api/v1/measurements?proposalId={ids.Proposal}", ids.Measurement));
        Assert.Equal(expected, await Lists(client, $"/api/v1/data-assets?measurementId={ids.Measurement}", ids.Asset));
        Assert.Equal(expected, await Lists(client, "/api/v1/proposals?limit=500", ids.Proposal));
        Assert.Equal(expected, await Lists(client, $"/api/v1/experiments?proposalId={ids.Proposal}", ids.Experiment));
        Assert.Equal(expected, await Lists(client, $"/api/v1/samples?proposalId={ids.Proposal}", ids.Sample));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Changing_needs_membership_and_unreadable_records_stay_hidden(string state, string actor)
    {
        var client = world.Clients[actor];
        var ids = world.Records[state];
        var readable = ExpectedReadable(state, actor);
        var member = actor is "admin" or "pi" or "member" or "staff";

        // A change that is not really a change (same name) keeps the shared world as it is.
        var current = await (await world.Clients["admin"].GetAsync($"/api/v1/measurements/{ids.Measurement}")).ReadJsonAsync(HttpStatusCode.OK);
        var response = await client.PatchAsync($"/api/v1/measurements/{ids.Measurement}", new { measurementName = current["measurementName"]!.GetValue<string>() });
        var expected = actor == "anonymous" ? HttpStatusCode.Unauthorized
            : !readable ? HttpStatusCode.NotFound
            : member ? HttpStatusCode.OK
            : HttpStatusCode.Forbidden;
        Assert.True(expected == response.StatusCode, $"{actor} editing {state}: expected {expected}, got {response.StatusCode}");

        var sample = await (await world.Clients["admin"].GetAsync($"/api/v1/samples/{ids.Sample}")).ReadJsonAsync(HttpStatusCode.OK);
        var sampleEdit = await client.PatchAsync($"/api/v1/samples/{ids.Sample}", new { name = sample["name"]!.GetValue<string>() });
        Assert.True(expected == sampleEdit.StatusCode, $"{actor} editing the sample of {state}: expected {expected}, got {sampleEdit.StatusCode}");

        // Deleting needs the manager level; a stale If-Match makes an allowed delete stop at 412, so the world stays as it is.
        var manager = actor is "admin" or "pi" or "staff";
        var delete = await client.DeleteAsync($"/api/v1/data-assets/{ids.Asset}", "\"999\"");
        var expectedDelete = actor == "anonymous" ? HttpStatusCode.Unauthorized
            : !readable ? HttpStatusCode.NotFound
            : manager ? HttpStatusCode.PreconditionFailed
            : HttpStatusCode.Forbidden;
        Assert.True(expectedDelete == delete.StatusCode, $"{actor} deleting the asset of {state}: expected {expectedDelete}, got {delete.StatusCode}");

        var register = await client.PostAsync("/api/v1/experiments", new { proposalId = ids.Proposal, name = "intruder" });
        var expectedRegister = actor == "anonymous" ? HttpStatusCode.Unauthorized
            : !readable ? HttpStatusCode.NotFound
            : member ? HttpStatusCode.Created
            : HttpStatusCode.Forbidden;
        Assert.True(expectedRegister == register.StatusCode, $"{actor} adding an experiment to {state}: expected {expectedRegister}, got {register.StatusCode}");
        if (register.StatusCode == HttpStatusCode.Created)
        {
            var created = await register.ReadJsonAsync(HttpStatusCode.Created);
            Assert.Equal(HttpStatusCode.NoContent, (await world.Clients["admin"].DeleteAsync($"/api/v1/experiments/{created.Id()}")).StatusCode);
        }
    }

    [Theory]
    [InlineData("admin", HttpStatusCode.OK)]
    [InlineData("pi", HttpStatusCode.OK)]
    [InlineData("staff", HttpStatusCode.OK)]
    [InlineData("member", HttpStatusCode.Forbidden)]
    [InlineData("sharee", HttpStatusCode.Forbidden)]
    public async Task Only_managers_change_visibility(string actor, HttpStatusCode expected)
    {
        var ids = world.Records["shared-named"];
        var response = await world.Clients[actor].PatchAsync($"/api/v1/measurements/{ids.Measurement}", new { visibility = "shared", licence = "CC-BY-4.0-" + actor });
        Assert.Equal(expected, response.StatusCode);
        if (actor == "member")
        {
            var problem = await response.ReadProblemAsync(HttpStatusCode.Forbidden);
            Assert.Contains("visibility", problem["detail"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Shares_are_visible_to_members_but_not_to_the_people_shared_with()
    {
        var ids = world.Records["shared-named"];
        var shares = await (await world.Clients["member"].GetAsync($"/api/v1/measurements/{ids.Measurement}/shares")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Contains(shares.AsArray(), p => p!.Id() == world.Clients["sharee"].PersonId);
        await (await world.Clients["sharee"].GetAsync($"/api/v1/measurements/{ids.Measurement}/shares")).ReadProblemAsync(HttpStatusCode.Forbidden);
        await (await world.Clients["sharee"].GetAsync($"/api/v1/proposals/{ids.Proposal}/members")).ReadProblemAsync(HttpStatusCode.Forbidden);
        await (await world.Clients["member"].GetAsync($"/api/v1/proposals/{ids.Proposal}/members")).ReadJsonAsync(HttpStatusCode.OK);
        await (await world.Clients["stranger"].GetAsync($"/api/v1/measurements/{ids.Measurement}/shares")).ReadProblemAsync(HttpStatusCode.NotFound);
    }

    private static async Task<bool> Lists(ApiClient client, string path, Guid id)
    {
        var page = await (await client.GetAsync(path)).ReadJsonAsync(HttpStatusCode.OK);
        return page["items"]!.AsArray().Any(item => item!.Id() == id);
    }
}
