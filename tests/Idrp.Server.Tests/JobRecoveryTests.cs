using System.Net;
using System.Text.Json.Nodes;
using Idrp.Testing;

namespace Idrp.Server.Tests;

/// <summary>
/// Workers killed mid-job (kill -9, real processes): the job is retried and its result appears exactly once; the outputs
/// of the killed attempt never appear. On the PostgreSQL run a second worker takes over; on SQLite the one process does
/// when it is started again.
/// </summary>
public sealed class JobRecoveryTests : IAsyncLifetime
{
    private ServerProcesses _processes = null!;

    public async ValueTask InitializeAsync() => _processes = await ServerProcesses.CreateAsync();

    public async ValueTask DisposeAsync() => await _processes.DisposeAsync();

    private static async Task<(ApiClient User, Guid Measurement, byte[] Data)> MeasurementWithFileAsync(ServerProcess server)
    {
        var user = await (await server.AdminAsync()).CreateUserAsync("Recovery User");
        var proposal = (await user.CreateProposalAsync()).Id();
        var measurement = (await user.CreateMeasurementAsync((await user.CreateExperimentAsync(proposal)).Id())).Id();
        var data = Tus.RandomBytes(200_000, seed: 5);
        await user.UploadFileAsync(measurement, "scan.bin", data);
        return (user, measurement, data);
    }

    private static Task<JsonNode> WaitAsync(ApiClient user, Guid job, Func<JsonNode, bool> done, ServerProcess? serving = null) =>
        JobsWait.UntilAsync(user, job, done, () => serving?.Output ?? "");

    private static bool PastOutputs(JsonNode job) =>
        job["state"]!.GetValue<string>() == "running" && job["progress"]!.GetValue<double>() >= 0.6; // outputs are staged at half-time

    private async Task AssertExactlyOnceAsync(ApiClient user, Guid measurement, JsonNode done, byte[] data)
    {
        Assert.Equal("succeeded", done["state"]!.GetValue<string>());
        Assert.Equal(2, done["attempts"]!.GetValue<int>());
        Assert.Equal(2, done["result"]!["attempt"]!.GetValue<int>());
        var output = Assert.Single(done["outputs"]!.AsArray())!;
        var assets = (await (await user.GetAsync($"/api/v1/data-assets?measurementId={measurement}")).ReadJsonAsync(HttpStatusCode.OK))["items"]!.AsArray();
        Assert.Equal(["scan.bin", "scan.bin.recovered"], assets.Select(a => a!["dataAssetName"]!.GetValue<string>()).Order());
        var bytes = await user.Http.GetByteArrayAsync($"/api/v1/data-assets/{output["assetId"]!.GetValue<string>()}/content", TestContext.Current.CancellationToken);
        Assert.Equal(data, bytes);

        // The killed attempt staged an output too; nothing of it is left in the store.
        Assert.Empty(await _processes.Storage.ListAsync(_processes.DataDirectory, "jobs/"));
        var log = (await (await user.GetAsync($"/api/v1/jobs/{done.Id()}/log")).ReadJsonAsync(HttpStatusCode.OK))["items"]!.AsArray();
        Assert.Contains(log, l => l!["attempt"]!.GetValue<int>() == 1 && l["message"]!.GetValue<string>().StartsWith("Wrote ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_job_whose_worker_is_killed_is_run_again_and_its_result_appears_once()
    {
        if (!_processes.CanCluster)
        {
            // Embedded mode: one process; kill it mid-job and start it again on the same data.
            var first = await _processes.StartAsync("all");
            var (user, measurement, data) = await MeasurementWithFileAsync(first);
            var job = await (await user.PostAsync("/api/v1/jobs", new { type = "test.slow-copy", measurementId = measurement, parameters = new { seconds = 6, tag = "recovered" } }))
                .ReadJsonAsync(HttpStatusCode.Accepted);
            await WaitAsync(user, job.Id(), PastOutputs, first);
            first.Kill();

            var second = await _processes.StartAsync("all");
            var client = new ApiClient(second.NewHttpClient(), second, user.Token);
            var done = await WaitAsync(client, job.Id(), j => j["state"]!.GetValue<string>() is "succeeded" or "failed", second);
            await AssertExactlyOnceAsync(client, measurement, done, data);
            return;
        }

        // Cluster mode: a web server and two workers on PostgreSQL; the worker running the job is killed.
        var web = await _processes.StartAsync("web");
        var workers = new[] { await _processes.StartAsync("worker"), await _processes.StartAsync("worker") };
        var (owner, target, bytes) = await MeasurementWithFileAsync(web);
        var submitted = await (await owner.PostAsync("/api/v1/jobs", new { type = "test.slow-copy", measurementId = target, parameters = new { seconds = 6, tag = "recovered" } }))
            .ReadJsonAsync(HttpStatusCode.Accepted);
        var running = await WaitAsync(owner, submitted.Id(), PastOutputs);
        var worker = running["worker"]!.GetValue<string>();
        var victim = workers.Single(w => worker.EndsWith("-" + w.ProcessId, StringComparison.Ordinal));
        victim.Kill();

        var finished = await WaitAsync(owner, submitted.Id(), j => j["state"]!.GetValue<string>() is "succeeded" or "failed");
        var survivor = workers.Single(w => w != victim);
        Assert.EndsWith("-" + survivor.ProcessId, finished["worker"]!.GetValue<string>(), StringComparison.Ordinal);
        await AssertExactlyOnceAsync(owner, target, finished, bytes);

        // Cancel reaches a job running on another process within seconds.
        var longJob = await (await owner.PostAsync("/api/v1/jobs", new { type = "test.slow-copy", measurementId = target, parameters = new { seconds = 60, tag = "long" } }))
            .ReadJsonAsync(HttpStatusCode.Accepted);
        await WaitAsync(owner, longJob.Id(), j => j["state"]!.GetValue<string>() == "running");
        var asked = DateTime.UtcNow;
        await (await owner.PostAsync($"/api/v1/jobs/{longJob.Id()}/cancel", new { })).ReadJsonAsync(HttpStatusCode.Accepted);
        var cancelled = await WaitAsync(owner, longJob.Id(), j => j["state"]!.GetValue<string>() is "cancelled" or "succeeded" or "failed");
        Assert.Equal("cancelled", cancelled["state"]!.GetValue<string>());
        Assert.True(DateTime.UtcNow - asked < TimeSpan.FromSeconds(10));
    }
}
