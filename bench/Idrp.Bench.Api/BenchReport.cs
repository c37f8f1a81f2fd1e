using System.Globalization;
using System.Text;

namespace Idrp.Bench.Api;

/// <summary>The figures of one run, written as Markdown tables (readable on the console too).</summary>
internal sealed class BenchReport
{
    public List<RegistrationRow> Registrations { get; } = [];

    public List<GetRow> Gets { get; } = [];

    public List<MemoryRow> Memory { get; } = [];

    public bool HasErrors => Registrations.Any(r => r.Result.Errors > 0) || Gets.Any(r => r.Result.Errors > 0);

    public string ToMarkdown(BenchOptions options, MachineInfo before, MachineInfo after)
    {
        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        md.AppendLine(inv, $"Machine: {before.Cores} cores ({before.CpuModel}), {before.MemoryGiB:0.0} GiB RAM, {before.Os}, .NET {Environment.Version}");
        md.AppendLine(inv, $"Load average (1/5/15 min): {before.LoadAverage} before, {after.LoadAverage} after");
        md.AppendLine(inv, $"Run: {options.Records} records per concurrency level (at most {options.MaxRegistrationTime.TotalSeconds:0} s), GETs for {options.GetDuration.TotalSeconds:0} s per case, {options.WarmupRecords} warm-up records not counted");
        if (options.ServerEnvironment.Count > 0)
        {
            md.AppendLine(inv, $"Server environment: {string.Join("; ", options.ServerEnvironment.Select(e => $"{e.Key}={e.Value}"))}");
        }

        md.AppendLine();
        md.AppendLine("CPU columns are cores busy during the phase (2.00 = both cores of this machine): server / PostgreSQL / load client / everything else on the machine.");
        md.AppendLine();
        md.AppendLine("### Registration: POST /measurements (5 settings, 3 keywords) then POST /data-assets (linked), per record");
        md.AppendLine();
        md.AppendLine("| Provider | Clients | Records | Seconds | Records/s | Measurement POST p50 / p95 / p99 ms | Data asset POST p50 / p95 / p99 ms | Errors | CPU srv/pg/cli/other |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (provider, concurrency, r) in Registrations)
        {
            md.AppendLine(inv, $"| {provider} | {concurrency} | {r.Operations} | {r.Elapsed.TotalSeconds:0.0} | {r.OperationsPerSecond:0} | {Percentiles(r.Latencies[IdrpApi.MeasurementSeries])} | {Percentiles(r.Latencies[IdrpApi.AssetSeries])} | {r.Errors} | {r.Cpu} |");
        }

        md.AppendLine();
        md.AppendLine("### Reads (random ids among all registered measurements; the list is the first page of the largest experiment)");
        md.AppendLine();
        md.AppendLine("| Provider | Request | Clients | Requests | Requests/s | p50 / p95 / p99 ms | Errors | CPU srv/pg/cli/other |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (provider, request, concurrency, r) in Gets)
        {
            md.AppendLine(inv, $"| {provider} | `{request}` | {concurrency} | {r.Operations} | {r.OperationsPerSecond:0} | {Percentiles(r.Latencies[0])} | {r.Errors} | {r.Cpu} |");
        }

        md.AppendLine();
        md.AppendLine("### Server memory after all phases");
        md.AppendLine();
        md.AppendLine("| Provider | Measurements in database | Peak RSS (VmHWM) MiB | RSS at end MiB | SQLite file + WAL MiB |");
        md.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var m in Memory)
        {
            md.AppendLine(inv, $"| {m.Provider} | {m.Measurements} | {m.PeakRss / 1048576.0:0} | {m.Rss / 1048576.0:0} | {(m.Provider == "Sqlite" ? (m.SqliteBytes / 1048576.0).ToString("0.0", inv) : "-")} |");
        }

        foreach (var failed in Registrations.Select(r => r.Result).Concat(Gets.Select(g => g.Result)).Where(r => r.FirstError is not null))
        {
            md.AppendLine().AppendLine(inv, $"First error: {failed.FirstError}");
        }

        return md.ToString();
    }

    private static string Percentiles(Latency l) =>
        string.Create(CultureInfo.InvariantCulture, $"{l.P50:0.0} / {l.P95:0.0} / {l.P99:0.0}");
}

/// <summary>Hardware and load of the machine, from /proc.</summary>
internal sealed record MachineInfo(int Cores, string CpuModel, double MemoryGiB, string Os, string LoadAverage)
{
    public static MachineInfo Read()
    {
        var model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        var memKb = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var load = string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        return new MachineInfo(Environment.ProcessorCount, model, double.Parse(memKb, CultureInfo.InvariantCulture) / 1048576, System.Runtime.InteropServices.RuntimeInformation.OSDescription, load);
    }
}
