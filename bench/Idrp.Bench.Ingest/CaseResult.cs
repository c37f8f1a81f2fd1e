using System.Globalization;
using System.Text;

namespace Idrp.Bench.Ingest;

/// <summary>The figures of one case, and the report's table.</summary>
internal sealed record CaseResult(
    CaseSpec Spec, double CpSeconds, double CpSyncSeconds, double IngestSeconds, long CliPeakRss, double CliCpuSeconds,
    long ServerPeakRss, long ServerBaselineRss, double ServerCpuSeconds, double ServerJitSeconds, DownloadResult? Download, long SqliteBytes)
{
    private static double MB(long bytes) => bytes / 1e6;

    private static double MiB(long bytes) => bytes / (1024.0 * 1024.0);

    public string ToLine() => string.Create(CultureInfo.InvariantCulture,
        $"{Spec.Label}: cp {CpSeconds:0.00} s (+fsync {CpSyncSeconds:0.00} s), idrp ingest {IngestSeconds:0.00} s = {MB(Spec.TotalBytes) / IngestSeconds:0} MB/s, "
        + $"{Spec.Files / IngestSeconds:0} files/s, {100 * CpSeconds / IngestSeconds:0} % of cp; server peak {MiB(ServerPeakRss):0} MiB, CLI peak {MiB(CliPeakRss):0} MiB");

    public static string ToMarkdown(IReadOnlyList<CaseResult> rows, IngestBenchOptions options, string loadBefore, string loadAfter)
    {
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.AppendLine(inv, $"Machine: {Environment.ProcessorCount} cores, {File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':')[1].Trim()}; "
            + $".NET {Environment.Version}; load average {loadBefore} before, {loadAfter} after; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.");
        text.AppendLine(inv, $"CLI options: --parallel {options.Parallel?.ToString(inv) ?? "default"}, --chunk-size {options.ChunkMiB?.ToString(inv) ?? "default"} MiB.");
        text.AppendLine();
        text.AppendLine("| Case | cp s | cp MB/s | cp + fsync s | idrp ingest s | MB/s | files/s | vs cp | vs cp + fsync | server peak RSS (before) | CLI peak RSS | CPU s server (JIT) / CLI |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
        {
            var bytes = r.Spec.TotalBytes;
            text.AppendLine(inv,
                $"| {r.Spec.Label} | {r.CpSeconds:0.00} | {MB(bytes) / r.CpSeconds:0} | {r.CpSyncSeconds:0.00} | {r.IngestSeconds:0.00} | {MB(bytes) / r.IngestSeconds:0} | {r.Spec.Files / r.IngestSeconds:0} "
                + $"| {100 * r.CpSeconds / r.IngestSeconds:0} % | {100 * r.CpSyncSeconds / r.IngestSeconds:0} % | {MiB(r.ServerPeakRss):0} MiB ({MiB(r.ServerBaselineRss):0}) | {MiB(r.CliPeakRss):0} MiB "
                + $"| {r.ServerCpuSeconds:0.0} ({r.ServerJitSeconds:0.0}) / {r.CliCpuSeconds:0.0} |");
        }

        foreach (var r in rows.Where(r => r.Download is not null))
        {
            var d = r.Download!;
            text.AppendLine();
            text.AppendLine(inv,
                $"Download of the {r.Spec.Label} asset (GET …/content, SHA-256 checked): {d.Seconds:0.00} s = {MB(r.Spec.TotalBytes) / d.Seconds:0} MB/s; "
                + $"server peak RSS {MiB(d.ServerPeakRss):0} MiB (before: {MiB(d.ServerBaselineRss):0} MiB).");
        }

        return text.ToString();
    }
}
