using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Idrp.Testing;

namespace Idrp.Server.Tests;

/// <summary>A lab logbook uploaded to a measurement becomes its Sample's preparation (issue 8), over real HTTP.</summary>
public sealed class StmLogbookIngestTests(IdrpServer server) : IClassFixture<IdrpServer>
{
    private const string Logbook = """
        # Au(111) preparation
        date: 2024-03-14
        sample: Au(111) single crystal A7
        operator: M. Rossi
        step: sputter; energy = 1.0 keV; current = 2.5 uA; time = 15 min; gas = Ar
        step: anneal; temperature = 720 K; time = 10 min
        note: two cycles before this one
        ---
        date: 2024-03-15
        sample: Cu(100) B2
        step: anneal; temperature = 800 K; time = 5 min
        """;

    [Fact]
    public async Task A_logbook_creates_and_links_the_sample_named_in_its_last_entry_with_its_preparation()
    {
        var (user, proposal, measurement) = await server.NewMeasurementAsync("Logbook Lina");
        var assetId = await user.UploadFileAsync(measurement, "stm-logbook.txt", Encoding.UTF8.GetBytes(Logbook));

        var asset = await (await user.GetAsync($"/api/v1/data-assets/{assetId}")).ReadJsonAsync(HttpStatusCode.OK);
        var metadata = asset["extractedMetadata"]!;
        Assert.Equal(("stm-logbook", "StmLogbook", 2), (metadata["extractor"]!.GetValue<string>(), metadata["kind"]!.GetValue<string>(), metadata["entries"]!.AsArray().Count));
        Assert.Equal(1.0, metadata["entries"]![0]!["steps"]![0]!["parameters"]![0]!["value"]!.GetValue<double>());
        Assert.Equal(("Cu(100) B2", true), (metadata["sample"]!["name"]!.GetValue<string>(), metadata["sample"]!["created"]!.GetValue<bool>()));

        var record = await (await user.GetAsync($"/api/v1/measurements/{measurement}")).ReadJsonAsync(HttpStatusCode.OK);
        var sampleId = record["sampleId"]!.GetValue<string>();
        var sample = await (await user.GetAsync($"/api/v1/samples/{sampleId}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(proposal.ToString(), sample["proposalId"]!.GetValue<string>());
        Assert.Equal("Cu(100) B2", sample["name"]!.GetValue<string>());
        Assert.Equal("2024-03-15: anneal (temperature 800 K, time 5 min)", sample["preparation"]!.GetValue<string>());

        // the last entry's steps are the measurement's Logbook.* settings, with units
        var settings = record["settings"]!.AsArray().ToDictionary(s => s!["key"]!.GetValue<string>(), s => s!);
        Assert.Equal("anneal", settings["Logbook.Step1.Kind"]["value"]!.GetValue<string>());
        Assert.Equal((800.0, "K"), (settings["Logbook.Step1.temperature"]["value"]!.GetValue<double>(), settings["Logbook.Step1.temperature"]["unit"]!.GetValue<string>()));

        // the same logbook again adds nothing
        var again = await user.UploadFileAsync(measurement, "stm-logbook-copy.txt", Encoding.UTF8.GetBytes(Logbook));
        var second = await (await user.GetAsync($"/api/v1/data-assets/{again}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(0, second["extractedMetadata"]!["sample"]!["preparationLinesAdded"]!.GetValue<int>());
        var unchanged = await (await user.GetAsync($"/api/v1/samples/{sampleId}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(sample["preparation"]!.GetValue<string>(), unchanged["preparation"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_measurement_with_a_sample_gets_the_entries_that_name_it()
    {
        var (user, proposal, measurement) = await server.NewMeasurementAsync("Logbook Leo");
        var sample = await (await user.PostAsync("/api/v1/samples", new { proposalId = proposal, name = "Au(111) single crystal A7", preparation = "polished 2023" }))
            .ReadJsonAsync(HttpStatusCode.Created);
        var current = await user.GetAsync($"/api/v1/measurements/{measurement}");
        var etag = current.ETag();
        Assert.Equal(HttpStatusCode.OK, (await user.PatchAsync($"/api/v1/measurements/{measurement}", new { sampleId = sample.Id() }, etag)).StatusCode);

        await user.UploadFileAsync(measurement, "prep.logbook", Encoding.UTF8.GetBytes(Logbook));
        var updated = await (await user.GetAsync($"/api/v1/samples/{sample.Id()}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(
            "polished 2023\n2024-03-14, M. Rossi: sputter (energy 1.0 keV, current 2.5 uA, time 15 min, gas Ar); anneal (temperature 720 K, time 10 min). two cycles before this one",
            updated["preparation"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_malformed_logbook_is_stored_unchanged_with_a_note_naming_the_line()
    {
        var (user, _, measurement) = await server.NewMeasurementAsync("Logbook Lars");
        var text = "date: 2024-03-14\nsample: A7\nstep: anneal; temperature = 7,5 K\n";
        var bytes = Encoding.UTF8.GetBytes(text);
        var assetId = await user.UploadFileAsync(measurement, "logbook.txt", bytes);

        var asset = await (await user.GetAsync($"/api/v1/data-assets/{assetId}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("complete", asset["state"]!.GetValue<string>());
        var note = asset["extractedMetadata"]!["note"]!.GetValue<string>();
        Assert.Contains("line 3", note, StringComparison.Ordinal);
        Assert.Equal(bytes, await user.Http.GetByteArrayAsync($"/api/v1/data-assets/{assetId}/content", TestContext.Current.CancellationToken));
        var record = await (await user.GetAsync($"/api/v1/measurements/{measurement}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Null(record["sampleId"]);
    }

}
