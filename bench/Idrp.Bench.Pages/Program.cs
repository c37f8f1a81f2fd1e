using System.Diagnostics;
using System.Globalization;
using Idrp.Bench.Api;
using Idrp.Bench.Pages;
using Idrp.Bench.Search;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Idrp.Infrastructure.Search;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

// Server time of the web UI's main pages on the search benchmark's data set. Usage (bench/pages.sh runs it):
//   Idrp.Bench.Pages --server Idrp.Server.dll [--provider Sqlite|Postgres] [--connection CS] [--data DIR (keeps the
//                    database; a second run reuses it)] [--measurements 100000] [--assets 10] [--big-measurements 1000]
//                    [--files 10000] [--iterations 20] [--warmup 30] [--page TEXT (only pages whose name contains it)] [--markdown FILE]
if (BenchArguments.Parse(args, ["assets", "big-measurements", "connection", "data", "files", "iterations", "markdown", "measurements", "page", "provider", "server", "warmup"]) is not { } options)
{
    return 2;
}

string Option(string name, string fallback) => options.TryGetValue(name, out var v) ? v : fallback;

int Number(string name, int fallback) => int.Parse(Option(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
var provider = Enum.Parse<DatabaseProvider>(Option("provider", "Sqlite"), ignoreCase: true);
var measurements = Number("measurements", 100_000);
var assets = Number("assets", 10);
var bigMeasurements = Number("big-measurements", 1_000);
var files = Number("files", 10_000);
var iterations = Number("iterations", 20);
// A server in service has long compiled its hot paths with the optimising JIT and holds the facet values of search
// documents; the first requests of a fresh process run unoptimised code. 30 requests per page and caller bring it to
// that steady state; the first of them is reported on its own ("first ms").
var warmup = Number("warmup", 30);
var serverDll = Path.GetFullPath(options.TryGetValue("server", out var s) ? s : throw new ArgumentException("--server <Idrp.Server.dll> is required."));
var dataDirectory = Option("data", Path.Combine(Path.GetTempPath(), "idrp-bench-pages"));
Directory.CreateDirectory(dataDirectory);
var connection = Option("connection", provider == DatabaseProvider.Sqlite ? $"Data Source={Path.Combine(dataDirectory, "pages.db")}" : "");

var log = new List<string>();
void Say(string line)
{
    Console.WriteLine(line);
    log.Add(line);
}

// 1. The data set: the search benchmark's generator and indexer, then the big proposal; skipped when already there.
var services = new ServiceCollection();
services.AddSingleton(TimeProvider.System);
services.AddIdrpPersistence(_ => (new DatabaseOptions { Provider = provider, ConnectionString = connection }, dataDirectory));
Guid bigProposal, bigExperiment, bigMeasurement, asset, sample, memberProposal;
await using (var root = services.BuildServiceProvider())
{
    using var scope = root.CreateScope();
    var db = scope.ServiceProvider.GetRequiredService<IdrpDbContext>();
    db.Database.SetCommandTimeout(TimeSpan.FromMinutes(30));
    await db.MigrateIdrpDatabaseAsync(CancellationToken.None);
    if (!await db.Measurements.AnyAsync())
    {
        var generated = await new Generator(measurements, assets).GenerateAsync(db, CancellationToken.None);
        Say($"- generated {measurements:N0} measurements and {measurements * assets:N0} data assets (bulk insert) in {generated.TotalSeconds:F1} s");
        var clock = Stopwatch.StartNew();
        db.ChangeTracker.Clear();
        await BigRecords.AddAsync(db, bigMeasurements, files, CancellationToken.None);
        Say($"- added a proposal with {BigRecords.Experiments} experiments and {bigMeasurements:N0} measurements, one of them with {files:N0} files, in {clock.Elapsed.TotalSeconds:F1} s");
        clock.Restart();
        var indexed = await SearchIndexer.IndexMissingAsync(db, CancellationToken.None);
        Say($"- built {indexed:N0} search documents in {clock.Elapsed.TotalSeconds:F1} s");
        await db.Database.ExecuteSqlRawAsync(provider == DatabaseProvider.Sqlite ? "ANALYZE;" : "VACUUM ANALYZE;");
    }

    bigProposal = await db.Proposals.Where(p => p.ProposalNumber == "NFFA-BIG-0001").Select(p => p.Id).SingleAsync();
    bigExperiment = await db.Experiments.Where(e => e.ProposalId == bigProposal && e.Name == "Big beamtime 00").Select(e => e.Id).SingleAsync();
    bigMeasurement = await db.Measurements.Where(m => m.ProposalId == bigProposal && m.MeasurementName == "Big scan 00000").Select(m => m.Id).SingleAsync();
    asset = await db.DataAssets.Where(a => a.MeasurementId == bigMeasurement).OrderBy(a => a.DataAssetName).Select(a => a.Id).FirstAsync();
    sample = await db.Samples.OrderBy(x => x.Id).Select(x => x.Id).FirstAsync();
    memberProposal = await db.Proposals.Where(p => p.ProposalNumber != "NFFA-BIG-0001").OrderBy(p => p.ProposalNumber).Select(p => p.Id).FirstAsync();
    Say($"- rows: {await db.Measurements.CountAsync():N0} measurements, {await db.DataAssets.CountAsync():N0} data assets, {await db.Proposals.CountAsync():N0} proposals");
}

// 2. The real server on that database, an admin and a member of the big proposal (and of a generated one).
const string password = "bench-pages-password";
var environment = new Dictionary<string, string>(StringComparer.Ordinal);
await using var server = await ServerProcess.StartAsync(serverDll, provider.ToString(), connection, password, environment, null, CancellationToken.None);
using var admin = await PageClient.SignInAsync(server.BaseAddress, ServerProcess.AdminUserName, password);
var memberName = "bench-member-" + Guid.NewGuid().ToString("N")[..8];
var memberId = await admin.PostForIdAsync("/api/v1/people", new { displayName = "Bench Member", userName = memberName, password, email = memberName + "@example.org" });
await admin.PutAsync($"/api/v1/proposals/{bigProposal}/members/{memberId}", new { role = "member" });
await admin.PutAsync($"/api/v1/proposals/{memberProposal}/members/{memberId}", new { role = "member" });
using var member = await PageClient.SignInAsync(server.BaseAddress, memberName, password);

var pages = new (string Name, string Path, bool AdminOnly)[]
{
    ("home (my proposals)", "/", false),
    ($"proposal ({bigMeasurements:N0} measurements, {BigRecords.Experiments} experiments)", $"/proposals/{bigProposal}", false),
    ($"experiment ({bigMeasurements / 2:N0} measurements)", $"/experiments/{bigExperiment}", false),
    ($"measurement ({files:N0} files)", $"/measurements/{bigMeasurement}", false),
    ("measurement sharing", $"/measurements/{bigMeasurement}/sharing", false),
    ("data asset (with provenance)", $"/assets/{asset}", false),
    ("sample", $"/samples/{sample}", true),
    ("search: text", "/search?q=graphene", false),
    ("search: facet", "/search?technique=SEM&year=2020", false),
    ("search: text + facet", "/search?q=graphene&technique=SEM", false),
    ("jobs", "/jobs", false),
    ("API tokens", "/account/tokens", false),
    ("admin", "/admin", true),
    ("admin: facilities", "/admin/facilities", true),
    ("admin: instruments", "/admin/instruments", true),
    ("admin: users", "/admin/people", true),
};

// 3. Each page: warm-up requests, then the Server-Timing app and db figures of the measured ones.
Say("");
Say($"Server time (Server-Timing `app`) of {iterations} requests after {warmup} warm-up ones (\"first\": the first warm-up request, made by a process that had not served that page yet); {provider}; pages over 200 ms flagged.");
Say("");
Say("| page | caller | p50 ms | p95 ms | max ms | first ms | db p50 ms | queries | |");
Say("|---|---|---:|---:|---:|---:|---:|---:|---|");
var slow = 0;
foreach (var (name, path, adminOnly) in pages.Where(p => !options.TryGetValue("page", out var only) || p.Name.Contains(only, StringComparison.Ordinal)))
{
    foreach (var (callerName, caller) in new[] { ("admin", admin), ("member", member) }.Where(c => !adminOnly || c.Item1 == "admin"))
    {
        var app = new List<double>();
        var database = new List<double>();
        var queries = new SortedSet<int>();
        var first = 0.0;
        for (var i = -warmup; i < iterations; i++)
        {
            PageClient.Timing timing;
            try
            {
                timing = await caller.GetPageAsync(path);
            }
            catch (InvalidOperationException e)
            {
                // The server's log goes with its temporary folder: show why the page failed before it does.
                throw new InvalidOperationException($"{e.Message}\nServer log (last lines):\n{server.LogTail(60)}", e);
            }

            if (i == -warmup)
            {
                first = timing.App;
            }

            if (i >= 0)
            {
                app.Add(timing.App);
                database.Add(timing.Db);
                queries.Add(timing.Queries);
            }
        }

        app.Sort();
        database.Sort();
        var over = app[^1] > 200;
        slow += over ? 1 : 0;
        Say($"| {name} | {callerName} | {Percentile(app, 0.5):F1} | {Percentile(app, 0.95):F1} | {app[^1]:F1} | {first:F1} | {Percentile(database, 0.5):F1} | {(queries.Min == queries.Max ? $"{queries.Min}" : $"{queries.Min}–{queries.Max}")} | {(over ? "**over 200 ms**" : "")} |");
    }
}

Say("");
Say($"- {slow} page/caller pair(s) with a request over 200 ms; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
if (options.TryGetValue("markdown", out var file))
{
    await File.AppendAllLinesAsync(file, log);
}

return 0;

static double Percentile(List<double> sorted, double q) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
