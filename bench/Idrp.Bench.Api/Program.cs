using Idrp.Bench.Api;

// Metadata registration throughput and GET latency of the IDRP server over real HTTP on loopback, on SQLite and
// PostgreSQL. Run through bench/api.sh, which builds the server, starts a throw-away PostgreSQL cluster and
// passes its connection string. Exit code: 0 when every request succeeded, 1 when some failed, 2 on bad arguments.
BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
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

var before = MachineInfo.Read();
var report = new BenchReport();
foreach (var provider in options.Providers)
{
    await new ProviderRun(options, provider, report).RunAsync(cancel.Token);
}

var markdown = report.ToMarkdown(options, before, MachineInfo.Read());
Console.WriteLine();
Console.WriteLine(markdown);
if (options.MarkdownFile is not null)
{
    await File.WriteAllTextAsync(options.MarkdownFile, markdown);
}

return report.HasErrors ? 1 : 0;
