using System.Net;
using System.Text.Json.Nodes;
using Idrp.Testing;

namespace Idrp.Server.Tests;

/// <summary>The jobs frame (issue 5) over real HTTP: submission checks, running, outputs with provenance, cancel, retry.</summary>
public sealed class JobsTests(IdrpServer server) : IClassFixture<IdrpServer>
{
    private async Task<(ApiClient User, Guid Proposal, Guid Measurement, Guid Asset, byte[] Data)> MeasurementWithFileAsync(string name)
    {
        var user = await (await server.AdminAsync()).CreateUserAsync(name);
        var proposal = (await user.CreateProposalAsync()).Id();
        var measurement = (await user.CreateMeasurementAsync((await user.CreateExperimentAsync(proposal)).Id())).Id();
        var data = Tus.RandomBytes(300_000, seed: name.Length);
        var asset = await user.UploadFileAsync(measurement, "frame.bin", data);
        return (user, proposal, measurement, asset, data);
    }

    private static async Task<JsonNode> SubmitAsync(ApiClient user, object body) =>
        await (await user.PostAsync("/api/v1/jobs", body)).ReadJsonAsync(HttpStatusCode.Accepted);

    private Task<JsonNode> WaitAsync(ApiClient user, Guid job, Func<JsonNode, bool> done) =>
        JobsWait.UntilAsync(user, job, done, () => "Server log:\n" + string.Join("\n", server.Logs.Where(l => !l.Contains("Microsoft.AspNetCore", StringComparison.Ordinal)).TakeLast(40)));

    private static bool Ended(JsonNode job) => JobsWait.Ended(job);

    [Fact]
    public async Task Job_types_are_listed_with_their_parameter_schema()
    {
        var user = await (await server.AdminAsync()).CreateUserAsync("Types Reader");
        var types = (await (await user.GetAsync("/api/v1/job-types")).ReadJsonAsync(HttpStatusCode.OK)).AsArray();
        var fixity = types.Single(t => t!["name"]!.GetValue<string>() == "fixity")!;
        Assert.Equal("measurement", fixity["inputs"]!.GetValue<string>());
        var copy = types.Single(t => t!["name"]!.GetValue<string>() == "test.slow-copy")!;
        var properties = copy["parametersSchema"]!["properties"]!;
        Assert.Equal(600, properties["seconds"]!["maximum"]!.GetValue<double>());
        Assert.False(copy["parametersSchema"]!["additionalProperties"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_fixity_job_checks_the_measurement_and_keeps_the_report_as_its_result()
    {
        var (user, _, measurement, asset, _) = await MeasurementWithFileAsync("Fixity Job User");
        var job = await SubmitAsync(user, new { type = "fixity", measurementId = measurement });
        Assert.Equal("queued", job["state"]!.GetValue<string>());
        Assert.Equal([asset.ToString()], job["inputs"]!.AsArray().Select(i => i!.GetValue<string>()));

        var done = await WaitAsync(user, job.Id(), Ended);
        Assert.Equal("succeeded", done["state"]!.GetValue<string>());
        Assert.Equal(1, done["attempts"]!.GetValue<int>());
        Assert.Equal(1.0, done["progress"]!.GetValue<double>());
        Assert.Equal(1, done["result"]!["counts"]!["ok"]!.GetValue<int>());
        Assert.Equal("ok", done["result"]!["assets"]![0]!["status"]!.GetValue<string>());
        Assert.Empty(done["outputs"]!.AsArray());

        var log = (await (await user.GetAsync($"/api/v1/jobs/{job.Id()}/log")).ReadJsonAsync(HttpStatusCode.OK))["items"]!.AsArray();
        Assert.Contains(log, l => l!["message"]!.GetValue<string>().StartsWith("Started on ", StringComparison.Ordinal));
        Assert.Contains(log, l => l!["message"]!.GetValue<string>() == "Succeeded.");
    }

    [Fact]
    public async Task Outputs_become_data_assets_with_provenance_both_ways()
    {
        var (user, _, measurement, asset, data) = await MeasurementWithFileAsync("Output User");
        var job = await SubmitAsync(user, new { type = "test.slow-copy", measurementId = measurement, parameters = new { seconds = 0.2, tag = "one" } });
        var done = await WaitAsync(user, job.Id(), Ended);
        Assert.Equal("succeeded", done["state"]!.GetValue<string>());
        var output = done["outputs"]!.AsArray().Single()!;
        Assert.Equal(("frame.bin.one", "copies"), (output["name"]!.GetValue<string>(), output["relativePath"]!.GetValue<string>()));
        var outputId = Guid.Parse(output["assetId"]!.GetValue<string>());

        // The output is a complete, checksummed data asset whose bytes are the input's.
        var record = await (await user.GetAsync($"/api/v1/data-assets/{outputId}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(("complete", Tus.Sha256(data)), (record["state"]!.GetValue<string>(), record["dataChecksum"]!.GetValue<string>()));
        var content = await user.Http.GetByteArrayAsync($"/api/v1/data-assets/{outputId}/content", TestContext.Current.CancellationToken);
        Assert.Equal(data, content);

        // What was this made from; what was made from that.
        var madeFrom = (await (await user.GetAsync($"/api/v1/derivations?outputAssetId={outputId}")).ReadJsonAsync(HttpStatusCode.OK))["items"]!.AsArray().Single()!;
        Assert.Equal(("test.slow-copy", "1"), (madeFrom["activity"]!.GetValue<string>(), madeFrom["activityVersion"]!.GetValue<string>()));
        Assert.Equal([asset.ToString()], madeFrom["inputAssetIds"]!.AsArray().Select(i => i!.GetValue<string>()));
        Assert.Equal("one", madeFrom["parameters"]!["tag"]!.GetValue<string>());
        var madeInto = (await (await user.GetAsync($"/api/v1/derivations?inputAssetId={asset}")).ReadJsonAsync(HttpStatusCode.OK))["items"]!.AsArray();
        Assert.Contains(madeInto, d => d!["outputAssetId"]!.GetValue<string>() == outputId.ToString());
    }

    [Fact]
    public async Task A_classifier_like_job_tags_the_measurement_with_its_category_and_confidence()
    {
        var (user, _, measurement, _, _) = await MeasurementWithFileAsync("Category User");
        var first = await SubmitAsync(user, new { type = "test.slow-copy", measurementId = measurement, parameters = new { seconds = 0.1, tag = "cat-a", category = "Nanowires" } });
        Assert.Equal("succeeded", (await WaitAsync(user, first.Id(), Ended))["state"]!.GetValue<string>());
        var second = await SubmitAsync(user, new { type = "test.slow-copy", measurementId = measurement, parameters = new { seconds = 0.1, tag = "cat-b", category = "Particles" } });
        Assert.Equal("succeeded", (await WaitAsync(user, second.Id(), Ended))["state"]!.GetValue<string>());

        // The second run replaces the first's tag of the same model; it does not pile up.
        var record = await (await user.GetAsync($"/api/v1/measurements/{measurement}")).ReadJsonAsync(HttpStatusCode.OK);
        var tag = Assert.Single(record["categories"]!.AsArray())!;
        Assert.Equal(("test-category", "Particles", "model:test.slow-copy@1", 0.75),
            (tag["scheme"]!.GetValue<string>(), tag["value"]!.GetValue<string>(), tag["source"]!.GetValue<string>(), tag["confidence"]!.GetValue<double>()));
    }

    [Fact]
    public async Task Submission_is_checked_type_parameters_inputs_and_rights()
    {
        var (user, _, measurement, asset, _) = await MeasurementWithFileAsync("Checked Submitter");

        var unknown = await (await user.PostAsync("/api/v1/jobs", new { type = "no.such", measurementId = measurement })).ReadProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains("test.slow-copy", unknown["errors"]!["type"]![0]!.GetValue<string>(), StringComparison.Ordinal);

        var bad = await (await user.PostAsync("/api/v1/jobs", new { type = "test.slow-copy", measurementId = measurement, parameters = new { seconds = 9999, tag = "NOT OK" } }))
            .ReadProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.NotNull(bad["errors"]!["parameters.seconds"]);
        Assert.NotNull(bad["errors"]!["parameters.tag"]);

        var extra = await (await user.PostAsync("/api/v1/jobs", new { type = "test.slow-copy", measurementId = measurement, parameters = new { sekonds = 1 } }))
            .ReadProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains("sekonds", extra.ToJsonString(), StringComparison.Ordinal);

        var named = await (await user.PostAsync("/api/v1/jobs", new { type = "fixity", measurementId = measurement, inputs = new[] { asset } })).ReadProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.NotNull(named["errors"]!["inputs"]);

        // Another user: cannot write into the measurement (it is private, so they cannot even see it) nor read the input.
        var stranger = await (await server.AdminAsync()).CreateUserAsync("Job Stranger");
        await (await stranger.PostAsync("/api/v1/jobs", new { type = "fixity", measurementId = measurement })).ReadProblemAsync(HttpStatusCode.NotFound);
        var ownProposal = (await stranger.CreateProposalAsync()).Id();
        var ownMeasurement = (await stranger.CreateMeasurementAsync((await stranger.CreateExperimentAsync(ownProposal)).Id())).Id();
        var foreignInput = await (await stranger.PostAsync("/api/v1/jobs", new { type = "test.slow-copy", measurementId = ownMeasurement, inputs = new[] { asset } }))
            .ReadProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains(asset.ToString(), foreignInput["errors"]!["inputs"]![0]!.GetValue<string>(), StringComparison.Ordinal);

        // Nor see, cancel or retry the owner's jobs.
        var job = await SubmitAsync(user, new { type = "fixity", measurementId = measurement });
        await (await stranger.GetAsync($"/api/v1/jobs/{job.Id()}")).ReadProblemAsync(HttpStatusCode.NotFound);
        await (await stranger.PostAsync($"/api/v1/jobs/{job.Id()}/cancel", new { })).ReadProblemAsync(HttpStatusCode.NotFound);
        Assert.DoesNotContain((await (await stranger.GetAsync("/api/v1/jobs")).ReadJsonAsync(HttpStatusCode.OK))["items"]!.AsArray(), j => j!.Id() == job.Id());

        // A member with a read-only token cannot submit.
        var reader = await (await server.AdminAsync()).CreateUserAsync("Read Only Member", scope: "read");
        var proposal = job["proposalId"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.NoContent, (await user.PutAsync($"/api/v1/proposals/{proposal}/members/{reader.PersonId}", new { role = "member" })).StatusCode);
        await (await reader.PostAsync("/api/v1/jobs", new { type = "fixity", measurementId = measurement })).ReadProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_running_job_is_cancelled_within_seconds_and_leaves_no_outputs()
    {
        var (user, _, measurement, _, _) = await MeasurementWithFileAsync("Canceller");
        var job = await SubmitAsync(user, new { type = "test.slow-copy", measurementId = measurement, parameters = new { seconds = 60, tag = "cancelled" } });

        // Wait until it has written its (staged) outputs halfway through, then cancel.
        await WaitAsync(user, job.Id(), j => j["state"]!.GetValue<string>() == "running" && j["progress"]!.GetValue<double>() > 0);
        var asked = DateTime.UtcNow;
        var cancelling = await (await user.PostAsync($"/api/v1/jobs/{job.Id()}/cancel", new { })).ReadJsonAsync(HttpStatusCode.Accepted);
        Assert.True(cancelling["cancelRequested"]!.GetValue<bool>());
        var done = await WaitAsync(user, job.Id(), Ended);
        Assert.Equal("cancelled", done["state"]!.GetValue<string>());
        Assert.True(DateTime.UtcNow - asked < TimeSpan.FromSeconds(10), "cancel took longer than the issue's 'within seconds'");
        Assert.Empty(done["outputs"]!.AsArray());
        var assets = (await (await user.GetAsync($"/api/v1/data-assets?measurementId={measurement}")).ReadJsonAsync(HttpStatusCode.OK))["items"]!.AsArray();
        Assert.Single(assets);

        // Cancelling again is a conflict, not a silent success.
        await (await user.PostAsync($"/api/v1/jobs/{job.Id()}/cancel", new { })).ReadProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task A_failed_job_says_why_and_can_be_retried()
    {
        var (user, _, measurement, _, _) = await MeasurementWithFileAsync("Retrier");
        var job = await SubmitAsync(user, new { type = "test.slow-copy", measurementId = measurement, parameters = new { seconds = 0.2, failWith = "The detector mask is empty.", tag = "failing" } });
        var failed = await WaitAsync(user, job.Id(), Ended);
        Assert.Equal(("failed", "The detector mask is empty."), (failed["state"]!.GetValue<string>(), failed["error"]!.GetValue<string>()));
        Assert.Empty(failed["outputs"]!.AsArray());

        var retried = await (await user.PostAsync($"/api/v1/jobs/{job.Id()}/retry", new { })).ReadJsonAsync(HttpStatusCode.Accepted);
        Assert.Equal("queued", retried["state"]!.GetValue<string>());
        var again = await WaitAsync(user, job.Id(), j => Ended(j) && j["attempts"]!.GetValue<int>() == 2);
        Assert.Equal("failed", again["state"]!.GetValue<string>());

        // Only ended jobs can be retried.
        var running = await SubmitAsync(user, new { type = "test.slow-copy", measurementId = measurement, parameters = new { seconds = 30, tag = "running" } });
        await (await user.PostAsync($"/api/v1/jobs/{running.Id()}/retry", new { })).ReadProblemAsync(HttpStatusCode.Conflict);
        await (await user.PostAsync($"/api/v1/jobs/{running.Id()}/cancel", new { })).ReadJsonAsync(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task A_job_whose_owner_lost_access_fails_when_it_runs()
    {
        var admin = await server.AdminAsync();
        var (pi, proposal, measurement, _, _) = await MeasurementWithFileAsync("Access PI");
        var member = await admin.CreateUserAsync("Leaving Member");
        Assert.Equal(HttpStatusCode.NoContent, (await pi.PutAsync($"/api/v1/proposals/{proposal}/members/{member.PersonId}", new { role = "member" })).StatusCode);

        // A job the member submitted while still a member; then they leave the proposal.
        var job = await SubmitAsync(member, new { type = "test.slow-copy", measurementId = measurement, parameters = new { seconds = 0.2, failWith = "first run fails", tag = "access" } });
        Assert.Equal("failed", (await WaitAsync(member, job.Id(), Ended))["state"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NoContent, (await pi.DeleteAsync($"/api/v1/proposals/{proposal}/members/{member.PersonId}")).StatusCode);

        // The PI (a manager) retries the member's job: it runs with the owner's rights, which are gone.
        await (await pi.PostAsync($"/api/v1/jobs/{job.Id()}/retry", new { })).ReadJsonAsync(HttpStatusCode.Accepted);
        var done = await WaitAsync(pi, job.Id(), j => Ended(j) && j["attempts"]!.GetValue<int>() == 2);
        Assert.Equal("failed", done["state"]!.GetValue<string>());
        Assert.Contains("no longer write", done["error"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
