using System.Globalization;
using Idrp.Bench.Ingest;

// Ingest throughput of `idrp ingest` against the real server, beside `cp` of the same files on the same disk in the
// same run, with the peak memory of both processes. Run through bench/ingest.sh. Exit code: 0 when every case
// ingested and verified, 1 when one failed, 2 on bad arguments.
IngestBenchOptions options;
try
{
    options = IngestBenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var loadBefore = File.ReadAllText("/proc/loadavg").Split(' ')[..3];
var rows = new List<CaseResult>();
var failed = false;
Directory.CreateDirectory(options.Work);
foreach (var name in options.Cases)
{
    var spec = name switch
    {
        "big" => new CaseSpec("big", $"1 × {options.BigMiB / 1024.0:0.#} GiB", 1, (long)options.BigMiB << 20),
        "small" => new CaseSpec("small", $"{options.SmallCount:N0} × {options.SmallBytes / 1000} kB", options.SmallCount, options.SmallBytes),
        _ => throw new InvalidOperationException(name),
    };
    try
    {
        var result = await new IngestCase(options, spec).RunAsync(cancel.Token);
        rows.Add(result);
        Console.WriteLine(result.ToLine());
    }
    catch (Exception e) when (e is InvalidOperationException or IOException or HttpRequestException or TimeoutException)
    {
        Console.Error.WriteLine($"case {name} failed: {e.Message}");
        failed = true;
    }
}

var loadAfter = File.ReadAllText("/proc/loadavg").Split(' ')[..3];
var markdown = CaseResult.ToMarkdown(rows, options, string.Join(' ', loadBefore), string.Join(' ', loadAfter));
Console.WriteLine();
Console.WriteLine(markdown);
if (options.MarkdownFile is not null)
{
    await File.WriteAllTextAsync(options.MarkdownFile, markdown);
}

return failed ? 1 : 0;

namespace Idrp.Bench.Ingest
{
    internal sealed record CaseSpec(string Name, string Label, int Files, long BytesPerFile)
    {
        public long TotalBytes => Files * BytesPerFile;
    }

    internal sealed record IngestBenchOptions(
        string ServerDll, string CliDll, string Work, IReadOnlyList<string> Cases, int BigMiB, int SmallCount, int SmallBytes,
        int? Parallel, int? ChunkMiB, bool Download, string? MarkdownFile, string? PidFile)
    {
        public static IngestBenchOptions Parse(string[] args)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < args.Length; i++)
            {
                if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                {
                    throw new ArgumentException($"Expected '--name value', got '{args[i]}'.");
                }

                values[args[i][2..]] = args[++i];
            }

            // A mistyped option must not be ignored: it would measure something other than what was asked for.
            string[] known = ["server", "cli", "work", "cases", "big-mib", "small-count", "small-bytes", "parallel", "chunk-mib", "download", "markdown", "pid-file"];
            if (values.Keys.FirstOrDefault(k => !known.Contains(k)) is { } unknown)
            {
                throw new ArgumentException($"Unknown option --{unknown}; known: --{string.Join(", --", known)}.");
            }

            string Get(string key, string fallback) => values.GetValueOrDefault(key, fallback);
            int? Int(string key) => values.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : null;
            var server = values.GetValueOrDefault("server") ?? throw new ArgumentException("--server PATH/Idrp.Server.dll is required.");
            var cli = values.GetValueOrDefault("cli") ?? throw new ArgumentException("--cli PATH/idrp.dll is required.");
            return new IngestBenchOptions(
                server, cli, Get("work", Path.Combine(Path.GetTempPath(), "idrp-bench-ingest")),
                Get("cases", "big,small").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                Int("big-mib") ?? 4096, Int("small-count") ?? 10_000, Int("small-bytes") ?? 100_000,
                Int("parallel"), Int("chunk-mib"), Get("download", "true") == "true",
                values.GetValueOrDefault("markdown"), values.GetValueOrDefault("pid-file"));
        }
    }
}
