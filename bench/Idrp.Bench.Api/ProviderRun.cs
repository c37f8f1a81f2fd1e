using System.Data.Common;
using System.Globalization;

namespace Idrp.Bench.Api;

internal sealed record RegistrationRow(string Provider, int Concurrency, PhaseResult Result);

internal sealed record GetRow(string Provider, string Request, int Concurrency, PhaseResult Result);

internal sealed record MemoryRow(string Provider, long PeakRss, long Rss, long SqliteBytes, int Measurements);

/// <summary>All phases on one database provider, against one server process that is killed at the end.</summary>
internal sealed class ProviderRun(BenchOptions options, string provider, BenchReport report)
{
    private const string AdminPassword = "admin-password-for-the-benchmark";
    private const string UserPassword = "a-long-enough-password";
    private const int WarmupConcurrency = 4;

    private readonly List<Guid> _measurementIds = [];

    public async Task RunAsync(CancellationToken ct)
    {
        var connectionString = provider == "Postgres" ? FreshDatabase(options.PostgresConnectionString!) : null;
        Progress($"starting the server ({options.ServerDll})");
        await using var server = await ServerProcess.StartAsync(
            options.ServerDll, provider, connectionString, AdminPassword, options.ServerEnvironment, options.PidFile, ct);
        Progress($"server {server.Pid} ready at {server.BaseAddress}");
        try
        {
            await RunPhasesAsync(server, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Console.Error.WriteLine($"[{provider}] failed: {e.Message}\nLast lines of the server log:\n{server.LogTail(30)}");
            throw;
        }
    }

    private async Task RunPhasesAsync(ServerProcess server, CancellationToken ct)
    {
        var cpu = new CpuMeter(server, provider == "Postgres" ? options.PostgresPid : null);
        using var admin = await IdrpApi.SignInAsync(server.BaseAddress, ServerProcess.AdminUserName, AdminPassword, ct);
        var facilityId = await admin.CreateFacilityAsync(ct);
        var userName = "bench." + Guid.NewGuid().ToString("N")[..8];
        await admin.CreatePersonAsync(userName, UserPassword, ct);
        using var user = await IdrpApi.SignInAsync(server.BaseAddress, userName, UserPassword, ct);
        var proposalId = await user.CreateProposalAsync(facilityId, ct);

        // Warm-up: the server's JIT and connection pools, the client's too. Not reported.
        var warmupExperiment = await user.CreateExperimentAsync(proposalId, "warm-up", ct);
        Check(await RegisterAsync(user, warmupExperiment, WarmupConcurrency, options.WarmupRecords, cpu, ct), "warm-up registration");
        Check(await GetAsync(user, _ => $"/api/v1/measurements/{RandomId(_)}", WarmupConcurrency, TimeSpan.FromSeconds(30), options.WarmupRecords * 2, cpu, ct), "warm-up GET by id");
        Check(await GetAsync(user, _ => $"/api/v1/measurements?experimentId={warmupExperiment}&limit=50", WarmupConcurrency, TimeSpan.FromSeconds(30), options.WarmupRecords, cpu, ct), "warm-up GET list");

        var largest = (Experiment: warmupExperiment, Count: 0L);
        foreach (var concurrency in options.Concurrency)
        {
            var experimentId = await user.CreateExperimentAsync(proposalId, $"registration at concurrency {concurrency}", ct);
            var result = await RegisterAsync(user, experimentId, concurrency, options.Records, cpu, ct);
            report.Registrations.Add(new RegistrationRow(provider, concurrency, result));
            Progress($"registered {result.Operations} records with {concurrency} clients: {result.OperationsPerSecond:0} records/s");
            if (result.Operations > largest.Count)
            {
                largest = (experimentId, result.Operations);
            }
        }

        await CheckRecordsAsync(user, largest.Experiment, largest.Count, ct);

        var list = $"/api/v1/measurements?experimentId={largest.Experiment}&limit=50";
        foreach (var (request, path) in new (string, Func<Worker, string>)[]
                 {
                     ("GET /measurements/{id}", w => $"/api/v1/measurements/{RandomId(w)}"),
                     ("GET /measurements?experimentId&limit=50", _ => list),
                 })
        {
            foreach (var concurrency in options.Concurrency)
            {
                var result = await GetAsync(user, path, concurrency, options.GetDuration, options.MaxGetRequests, cpu, ct);
                report.Gets.Add(new GetRow(provider, request, concurrency, result));
                Progress($"{request} with {concurrency} clients: {result.OperationsPerSecond:0} requests/s, p99 {result.Latencies[0].P99:0.0} ms");
            }
        }

        var (peak, rss) = server.Memory();
        report.Memory.Add(new MemoryRow(provider, peak, rss, provider == "Sqlite" ? server.SqliteBytes() : 0, _measurementIds.Count));
        Progress($"server peak RSS {peak / 1048576.0:0} MiB");
    }

    private async Task<PhaseResult> RegisterAsync(IdrpApi user, Guid experimentId, int concurrency, int records, CpuMeter cpu, CancellationToken ct) =>
        await LoadRunner.RunAsync(concurrency, records, options.MaxRegistrationTime, seriesCount: 2, cpu, async (worker, index, token) =>
        {
            var id = await user.RegisterAsync(experimentId, index, worker, token);
            lock (_measurementIds)
            {
                _measurementIds.Add(id);
            }
        }, ct);

    private static Task<PhaseResult> GetAsync(
        IdrpApi user, Func<Worker, string> path, int concurrency, TimeSpan duration, long maxRequests, CpuMeter cpu, CancellationToken ct) =>
        LoadRunner.RunAsync(concurrency, maxRequests, duration, seriesCount: 1, cpu, (worker, _, token) => user.GetAsync(path(worker), worker, token), ct);

    /// <summary>Reads back what was registered, so the figures are of requests that did their job.</summary>
    private async Task CheckRecordsAsync(IdrpApi user, Guid experimentId, long count, CancellationToken ct)
    {
        var id = _measurementIds[^1];
        var measurement = await user.GetJsonAsync($"/api/v1/measurements/{id}", ct);
        Require(measurement["settings"]!.AsArray().Count == 5 && measurement["keywords"]!.AsArray().Count == 3, $"measurement {id} lost settings or keywords");
        var assets = await user.GetJsonAsync($"/api/v1/data-assets?measurementId={id}", ct);
        Require(assets["items"]!.AsArray().Count == 1 && assets["items"]![0]!["hasData"]!.GetValue<bool>(), $"measurement {id} has no complete linked data asset");
        var page = await user.GetJsonAsync($"/api/v1/measurements?experimentId={experimentId}&limit=50", ct);
        Require(page["items"]!.AsArray().Count == Math.Min(50, count) && (count <= 50 || page["next"] is not null), "the list page does not hold the registered measurements");
    }

    private Guid RandomId(Worker worker)
    {
        lock (_measurementIds)
        {
            return _measurementIds[worker.Random.Next(_measurementIds.Count)];
        }
    }

    private static void Check(PhaseResult result, string phase) =>
        Require(result.Errors == 0, $"{phase}: {result.Errors} failed requests, the first: {result.FirstError}");

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }

    /// <summary>The cluster's connection string with a new database name; the server's migration creates it.</summary>
    private static string FreshDatabase(string clusterConnectionString)
    {
        var builder = new DbConnectionStringBuilder { ConnectionString = clusterConnectionString };
        builder["Database"] = "idrp_bench_" + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        return builder.ConnectionString;
    }

    private void Progress(string message) =>
        Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {provider}: {message}");
}
