using System.Net;
using System.Text.Json.Nodes;
using Idrp.Testing;

namespace Idrp.Server.Tests;

/// <summary>The README's journey: register a hierarchy with a token, edit it with ETags, read it back.</summary>
public sealed class HierarchyTests(IdrpServer server) : IClassFixture<IdrpServer>
{
    [Fact]
    public async Task A_user_registers_edits_and_reads_back_a_whole_hierarchy()
    {
        var admin = await server.AdminAsync();
        var alice = await admin.CreateUserAsync("Alice");
        var facility = (await admin.CreateFacilityAsync()).Id();
        var instrument = await (await admin.PostAsync("/api/v1/instruments", new { facilityId = facility, name = "Zeiss Supra 40", technique = "SEM" }))
            .ReadJsonAsync(HttpStatusCode.Created);

        var proposal = await alice.CreateProposalAsync(facility);
        Assert.Equal("local", proposal["source"]!.GetValue<string>());
        var experiment = await (await alice.PostAsync("/api/v1/experiments", new
        {
            proposalId = proposal.Id(),
            name = "SEM session",
            facilityId = facility,
            instrumentId = instrument.Id(),
            startDate = "2026-11-20",
            endDate = "2026-11-21",
        })).ReadJsonAsync(HttpStatusCode.Created);
        var sample = await alice.CreateSampleAsync(proposal.Id());
        var measurement = await (await alice.PostAsync("/api/v1/measurements", new
        {
            experimentId = experiment.Id(),
            measurementName = "Ge islands, 50k x",
            measurementDescription = "Overview of the island field",
            sampleId = sample.Id(),
            dateOfCollection = "2026-11-20T10:15:00+01:00",
            settings = new object[] { new { key = "EHT", value = 5.0, unit = "kV" }, new { key = "WD", value = "4.2", unit = "mm" }, new { key = "Detector", value = "InLens" } },
            keywords = new[] { "SiGe", "islands" },
            categories = new object[] { new { scheme = "sem-category", value = "Particles" } },
        })).ReadJsonAsync(HttpStatusCode.Created);

        // The instrument is inherited from the experiment; the date is kept as an instant in UTC.
        Assert.Equal(instrument.Id().ToString(), measurement["instrumentId"]!.GetValue<string>());
        Assert.Equal(DateTimeOffset.Parse("2026-11-20T09:15:00Z", System.Globalization.CultureInfo.InvariantCulture), measurement["dateOfCollection"]!.GetValue<DateTimeOffset>());
        var settings = measurement["settings"]!.AsArray();
        Assert.Equal(5.0, settings[0]!["value"]!.GetValue<double>());
        Assert.Equal("kV", settings[0]!["unit"]!.GetValue<string>());
        Assert.Equal("4.2", settings[1]!["value"]!.GetValue<string>());
        Assert.Equal("InLens", settings[2]!["value"]!.GetValue<string>());
        Assert.Equal($"person:{alice.PersonId}", measurement["categories"]![0]!["source"]!.GetValue<string>());

        var asset = await (await alice.PostAsync("/api/v1/data-assets", new
        {
            measurementId = measurement.Id(),
            dataAssetName = "islands_50k.tif",
            relativePath = "raw\\2026-11-20/",
            dataSize = 2_359_808,
            dataChecksum = "sha256:" + new string('B', 64),
            dateOfCollection = "2026-11-20T10:15:00Z",
            intellectualPropertyRights = "CC-BY-4.0",
            mediaType = "image/tiff",
        })).ReadJsonAsync(HttpStatusCode.Created);
        Assert.Equal("raw/2026-11-20", asset["relativePath"]!.GetValue<string>());
        Assert.Equal("sha256:" + new string('b', 64), asset["dataChecksum"]!.GetValue<string>());
        // A stored asset without uploaded bytes is registered but has no data.
        Assert.Equal("pending", asset["state"]!.GetValue<string>());
        Assert.False(asset["hasData"]!.GetValue<bool>());

        // Edit with the ETag just read: accepted, version moves on.
        var read = await alice.GetAsync($"/api/v1/measurements/{measurement.Id()}");
        var etag = read.ETag();
        Assert.Equal("\"1\"", etag);
        var edited = await (await alice.PatchAsync($"/api/v1/measurements/{measurement.Id()}", new { measurementDescription = "Overview, tilted 30°", keywords = new[] { "SiGe" } }, etag))
            .ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(2, edited["version"]!.GetValue<long>());
        Assert.Equal("Overview, tilted 30°", edited["measurementDescription"]!.GetValue<string>());
        Assert.Equal(["SiGe"], edited["keywords"]!.AsArray().Select(k => k!.GetValue<string>()));
        Assert.Equal(3, edited["settings"]!.AsArray().Count);

        // A second writer still holding the old ETag loses instead of overwriting.
        var stale = await alice.PatchAsync($"/api/v1/measurements/{measurement.Id()}", new { measurementDescription = "lost update" }, etag);
        await stale.ReadProblemAsync(HttpStatusCode.PreconditionFailed);

        // PUT replaces the editable fields; fields left out take their defaults.
        var put = await alice.PutAsync($"/api/v1/samples/{sample.Id()}", new { name = "SiGe/Si(001) #2" }, "\"1\"");
        var putBody = await put.ReadJsonAsync(HttpStatusCode.OK);
        Assert.Null(putBody["composition"]);
        Assert.Equal("\"2\"", put.ETag());

        // Read back everything.
        var back = await (await alice.GetAsync($"/api/v1/measurements/{measurement.Id()}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("Overview, tilted 30°", back["measurementDescription"]!.GetValue<string>());
        var assets = await (await alice.GetAsync($"/api/v1/data-assets?measurementId={measurement.Id()}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(asset.Id(), Assert.Single(assets["items"]!.AsArray())!.Id());

        // Unchanged since the ETag: 304 without a body.
        var conditional = await alice.GetAsync($"/api/v1/measurements/{measurement.Id()}", ifNoneMatch: "\"2\"");
        Assert.Equal(HttpStatusCode.NotModified, conditional.StatusCode);
    }

    [Fact]
    public async Task Lists_are_paged_in_creation_order_and_filtered_by_parent()
    {
        var admin = await server.AdminAsync();
        var bob = await admin.CreateUserAsync("Bob");
        var proposal = (await bob.CreateProposalAsync()).Id();
        var experimentA = (await bob.CreateExperimentAsync(proposal)).Id();
        var experimentB = (await bob.CreateExperimentAsync(proposal)).Id();
        var created = new List<Guid>();
        for (var i = 0; i < 7; i++)
        {
            created.Add((await bob.CreateMeasurementAsync(experimentA, name: $"m{i}")).Id());
        }

        await bob.CreateMeasurementAsync(experimentB);

        var seen = new List<Guid>();
        string? next = null;
        var pages = 0;
        do
        {
            var page = await (await bob.GetAsync($"/api/v1/measurements?experimentId={experimentA}&limit=3" + (next is null ? "" : $"&after={next}")))
                .ReadJsonAsync(HttpStatusCode.OK);
            seen.AddRange(page["items"]!.AsArray().Select(i => i!.Id()));
            next = page["next"]?.GetValue<string>();
            pages++;
        }
        while (next is not null);

        Assert.Equal(created, seen);
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task Parents_with_children_cannot_be_deleted_and_children_can()
    {
        var admin = await server.AdminAsync();
        var carol = await admin.CreateUserAsync("Carol");
        var proposal = (await carol.CreateProposalAsync()).Id();
        var experiment = (await carol.CreateExperimentAsync(proposal)).Id();
        var measurement = (await carol.CreateMeasurementAsync(experiment)).Id();
        var asset = (await carol.CreateLinkedAssetAsync(measurement)).Id();

        await (await carol.DeleteAsync($"/api/v1/proposals/{proposal}")).ReadProblemAsync(HttpStatusCode.Conflict);
        await (await carol.DeleteAsync($"/api/v1/experiments/{experiment}")).ReadProblemAsync(HttpStatusCode.Conflict);
        await (await carol.DeleteAsync($"/api/v1/measurements/{measurement}")).ReadProblemAsync(HttpStatusCode.Conflict);

        await (await carol.DeleteAsync($"/api/v1/data-assets/{asset}", "\"7\"")).ReadProblemAsync(HttpStatusCode.PreconditionFailed);
        Assert.Equal(HttpStatusCode.NoContent, (await carol.DeleteAsync($"/api/v1/data-assets/{asset}", "\"1\"")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await carol.DeleteAsync($"/api/v1/measurements/{measurement}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await carol.DeleteAsync($"/api/v1/experiments/{experiment}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await carol.DeleteAsync($"/api/v1/proposals/{proposal}")).StatusCode);
        await (await carol.GetAsync($"/api/v1/proposals/{proposal}")).ReadProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Members_are_managed_by_the_pi_and_the_last_pi_stays()
    {
        var admin = await server.AdminAsync();
        var pi = await admin.CreateUserAsync("Dana");
        var member = await admin.CreateUserAsync("Eve");
        var proposal = (await pi.CreateProposalAsync()).Id();

        Assert.Equal(HttpStatusCode.NoContent, (await pi.PutAsync($"/api/v1/proposals/{proposal}/members/{member.PersonId}", new { role = "member" })).StatusCode);
        var members = await (await member.GetAsync($"/api/v1/proposals/{proposal}/members")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(["principalInvestigator", "member"], members.AsArray().Select(m => m!["role"]!.GetValue<string>()));

        // A member may not manage members; the PI may not leave the proposal without a PI.
        await (await member.PutAsync($"/api/v1/proposals/{proposal}/members/{member.PersonId}", new { role = "principalInvestigator" })).ReadProblemAsync(HttpStatusCode.Forbidden);
        await (await pi.DeleteAsync($"/api/v1/proposals/{proposal}/members/{pi.PersonId}")).ReadProblemAsync(HttpStatusCode.Conflict);

        Assert.Equal(HttpStatusCode.NoContent, (await pi.PutAsync($"/api/v1/proposals/{proposal}/members/{member.PersonId}", new { role = "principalInvestigator" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await member.DeleteAsync($"/api/v1/proposals/{proposal}/members/{pi.PersonId}")).StatusCode);
        await (await pi.GetAsync($"/api/v1/proposals/{proposal}")).ReadProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Provenance_links_outputs_to_inputs_both_ways()
    {
        var admin = await server.AdminAsync();
        var frank = await admin.CreateUserAsync("Frank");
        var proposal = (await frank.CreateProposalAsync()).Id();
        var experiment = (await frank.CreateExperimentAsync(proposal)).Id();
        var measurement = (await frank.CreateMeasurementAsync(experiment)).Id();
        var input = (await frank.CreateLinkedAssetAsync(measurement, "raw.h5")).Id();
        var output = (await frank.CreateLinkedAssetAsync(measurement, "strain.h5")).Id();

        var derivation = await (await frank.PostAsync("/api/v1/derivations", new
        {
            outputAssetId = output,
            activity = "kmap.fit",
            activityVersion = "1.0",
            parameters = new { model = "gaussian" },
            inputAssetIds = new[] { input },
        })).ReadJsonAsync(HttpStatusCode.Created);
        Assert.Equal("gaussian", derivation["parameters"]!["model"]!.GetValue<string>());

        var madeFrom = await (await frank.GetAsync($"/api/v1/derivations?outputAssetId={output}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(input.ToString(), Assert.Single(madeFrom["items"]!.AsArray())!["inputAssetIds"]![0]!.GetValue<string>());
        var madeFromInput = await (await frank.GetAsync($"/api/v1/derivations?inputAssetId={input}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(output.ToString(), Assert.Single(madeFromInput["items"]!.AsArray())!["outputAssetId"]!.GetValue<string>());

        // Nothing is made from itself.
        await (await frank.PostAsync("/api/v1/derivations", new { outputAssetId = input, activity = "copy", inputAssetIds = new[] { input } }))
            .ReadProblemAsync(HttpStatusCode.UnprocessableEntity);

        // An input with products keeps its provenance: it cannot be deleted from under them.
        await (await frank.DeleteAsync($"/api/v1/data-assets/{input}")).ReadProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Settings_come_back_as_they_were_sent()
    {
        var admin = await server.AdminAsync();
        var proposal = (await admin.CreateProposalAsync()).Id();
        var experiment = (await admin.CreateExperimentAsync(proposal)).Id();
        var created = await (await admin.PostAsync("/api/v1/measurements", new
        {
            experimentId = experiment,
            measurementName = "settings",
            settings = new object[]
            {
                new { key = "Serial", value = "0012" },
                new { key = "Magnification", value = 50000 },
                new { key = "Pixel size", value = 1.25e-9, unit = "m" },
                new { key = "Beam blanked", value = false },
                new { key = "Scan rotation", value = "12.5", unit = "deg" },
            },
        })).ReadJsonAsync(HttpStatusCode.Created);
        var settings = created["settings"]!.AsArray();
        Assert.Equal("0012", settings[0]!["value"]!.GetValue<string>());
        Assert.Equal(50000, settings[1]!["value"]!.GetValue<int>());
        Assert.Equal(1.25e-9, settings[2]!["value"]!.GetValue<double>());
        Assert.False(settings[3]!["value"]!.GetValue<bool>());
        Assert.Equal("12.5", settings[4]!["value"]!.GetValue<string>());
    }

    [Fact]
    public async Task Unchanged_catalogue_records_answer_304()
    {
        var admin = await server.AdminAsync();
        var facility = (await admin.CreateFacilityAsync()).Id();
        Assert.Equal(HttpStatusCode.NotModified, (await server.Anonymous().GetAsync($"/api/v1/facilities/{facility}", ifNoneMatch: "\"1\"")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Anonymous().GetAsync($"/api/v1/facilities/{facility}", ifNoneMatch: "\"0\"")).StatusCode);
    }
}
