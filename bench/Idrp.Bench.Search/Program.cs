using System.Diagnostics;
using System.Globalization;
using Idrp.Bench.Search;
using Idrp.Domain.Access;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Idrp.Infrastructure.Search;
using Idrp.Server.Features.Search;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// Search latency at 100k measurements / 1M data assets, in process (SearchService, as the API and the web UI call it),
// on SQLite or PostgreSQL. Usage (bench/search.sh runs both):
//   Idrp.Bench.Search --provider Sqlite|Postgres [--connection CS] [--data DIR] [--measurements 100000] [--assets 10]
//                     [--iterations 40] [--warm-up 20] [--markdown FILE] [--case TEXT (only cases whose name contains it)] [--sql (log SQL)]
//                     [--count-limit N]
if (BenchArguments.Parse(args, ["assets", "case", "connection", "count-limit", "data", "iterations", "markdown", "measurements", "provider", "sql", "warm-up"]) is not { } options)
{
    return 2;
}

string Option(string name, string fallback) => options.TryGetValue(name, out var v) ? v : fallback;

var provider = Enum.Parse<DatabaseProvider>(Option("provider", "Sqlite"), ignoreCase: true);
var measurements = int.Parse(Option("measurements", "100000"), CultureInfo.InvariantCulture);
var assets = int.Parse(Option("assets", "10"), CultureInfo.InvariantCulture);
var iterations = int.Parse(Option("iterations", "40"), CultureInfo.InvariantCulture);
var warmUpRounds = int.Parse(Option("warm-up", "20"), CultureInfo.InvariantCulture);
var dataDirectory = Option("data", Path.Combine(Path.GetTempPath(), "idrp-bench-search"));
Directory.CreateDirectory(dataDirectory);
var connection = Option("connection", provider == DatabaseProvider.Sqlite ? $"Data Source={Path.Combine(dataDirectory, "search.db")}" : "");

var services = new ServiceCollection();
services.AddSingleton(TimeProvider.System);
if (options.ContainsKey("sql"))
{
    // Every SQL command with its duration, to see where a slow search spends its time.
    services.AddLogging(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning).AddFilter("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.Information));
}

services.AddIdrpPersistence(_ => (new DatabaseOptions { Provider = provider, ConnectionString = connection }, dataDirectory));
// --count-limit N: the server's Search:CountLimit (default 10,000), to see what a smaller one buys for broad words.
services.AddOptions<SearchOptions>().Configure(o =>
{
    if (options.TryGetValue("count-limit", out var limit))
    {
        o.CountLimit = int.Parse(limit, CultureInfo.InvariantCulture);
    }
});
services.AddSingleton<FacetValueCache>();
services.AddScoped<SearchService>();
await using var root = services.BuildServiceProvider();

var log = new List<string>();
void Say(string line)
{
    Console.WriteLine(line);
    log.Add(line);
}

Guid userId;
using (var scope = root.CreateScope())
{
    var db = scope.ServiceProvider.GetRequiredService<IdrpDbContext>();
    await db.MigrateIdrpDatabaseAsync(CancellationToken.None);
    if (!await db.Measurements.AnyAsync())
    {
        var generator = new Generator(measurements, assets);
        var generated = await generator.GenerateAsync(db, CancellationToken.None);
        Say($"- generated {measurements:N0} measurements and {measurements * assets:N0} data assets (bulk insert) in {generated.TotalSeconds:F1} s");
    }
}

using (var scope = root.CreateScope())
{
    var db = scope.ServiceProvider.GetRequiredService<IdrpDbContext>();
    db.Database.SetCommandTimeout(TimeSpan.FromMinutes(30));
    var clock = Stopwatch.StartNew();
    var indexed = await SearchIndexer.IndexMissingAsync(db, CancellationToken.None);
    if (indexed > 0)
    {
        Say($"- built {indexed:N0} search documents (SearchIndexer, EF Core, batches of 500) in {clock.Elapsed.TotalSeconds:F1} s");
    }

    // The steady state autovacuum reaches on a live PostgreSQL: GIN pending list merged, visibility map set, statistics.
    await db.Database.ExecuteSqlRawAsync(provider == DatabaseProvider.Sqlite ? "ANALYZE;" : "VACUUM ANALYZE;");
    userId = await db.ProposalMembers.Where(m => m.Role == ProposalRole.PrincipalInvestigator).OrderBy(m => m.PersonId).Select(m => m.PersonId).FirstAsync();
    Say($"- rows: {await db.Measurements.CountAsync():N0} measurements, {await db.DataAssets.CountAsync():N0} data assets, {await db.SearchDocuments.CountAsync():N0} search documents, {await db.SearchSettings.CountAsync():N0} settings");
}

var actors = new (string Name, Actor Actor)[]
{
    ("anonymous", Actor.Anonymous),
    ("member", new Actor(userId, false, TokenScope.ReadWrite)),
    ("admin", new Actor(Guid.CreateVersion7(), true, TokenScope.ReadWrite)),
};
// Description words are drawn with probability falling steeply along Generator.Vocabulary. Query words match whole
// stems (RESULTS.md, "Whole stemmed words"), so at 100,000 measurements: "island" (with islands, islanded, islanding,
// islandal, islandic) is in ~92 % of them, "strain" ~29 %, "film" ~21 %, the medium words ~13–15 %, the rare words
// ~1.5 %. "island*" (every term starting with island, the semantics before stemming) shows what a broad explicit prefix
// costs. "substrateide" replaced "substrateal", which stems to substrat, as substrate does; "clusteron" replaced
// "clusters" (seventh session), which stems to cluster and so was found in ~9 % of them, not a rare word.
string[] common = ["island", "strain", "film"];
string[] medium = ["graphene", "oxide", "silicon"];
string[] rare = ["clusteron", "surfaceide", "interfaceon", "substrateide"];
var cases = new (string Name, Func<int, SearchRequest> Make)[]
{
    ("text, rare word", i => new SearchRequest { Q = rare[i % rare.Length] }),
    ("text, medium word", i => new SearchRequest { Q = medium[i % medium.Length] }),
    ("text, common word", i => new SearchRequest { Q = common[i % common.Length] }),
    ("text, explicit prefix", i => new SearchRequest { Q = common[i % common.Length] + "*" }),
    ("facet", i => new SearchRequest { Technique = ["SEM"], Year = [(2015 + (i % 10)).ToString(CultureInfo.InvariantCulture)] }),
    ("text + facet", i => new SearchRequest { Q = medium[i % medium.Length], Technique = ["SEM"], Category = [Generator.SemCategories[i % 10]] }),
    ("numeric filter", i => new SearchRequest { Filter = [$"EHT>{20 + (i % 5)}kV"], Technique = ["SEM"] }),
    ("text, no facets", i => new SearchRequest { Q = medium[i % medium.Length], Facets = "none" }),
};

var selected = cases.Where(c => !options.TryGetValue("case", out var only) || c.Name.Contains(only, StringComparison.Ordinal)).ToList();

// A server that has been answering searches for a while: every selected case, for every actor, warmUpRounds times, so
// that the code every search runs has been called often enough for .NET's tiered JIT to replace its first, quick
// compilation with the optimized one (measured without: a run of one case alone took 25-40 % longer, the first
// searches of a fresh process being timed). Then a pause for the background compilations to finish.
for (var round = 0; round < warmUpRounds; round++)
{
    foreach (var (_, make) in selected)
    {
        foreach (var (_, actor) in actors)
        {
            await SearchAsync(make(round), actor);
        }
    }
}

if (warmUpRounds > 0)
{
    await Task.Delay(TimeSpan.FromSeconds(1));
}

Say("");
Say($"| {provider} | actor | p50 ms | p95 ms | max ms | matches (last) |");
Say("|---|---|---:|---:|---:|---:|");
foreach (var (caseName, make) in selected)
{
    foreach (var (actorName, actor) in actors)
    {
        var times = new List<double>();
        var total = 0;
        for (var i = -3; i < iterations; i++)
        {
            var clock = Stopwatch.StartNew();
            var response = await SearchAsync(make(i + 3), actor);
            clock.Stop();
            total = response.Total;
            if (i >= 0)
            {
                times.Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        times.Sort();
        double P(double q) => times[Math.Min(times.Count - 1, (int)Math.Ceiling(q * times.Count) - 1)];
        Say($"| {caseName} | {actorName} | {P(0.5):F1} | {P(0.95):F1} | {times[^1]:F1} | {total:N0} |");
    }
}

if (options.TryGetValue("markdown", out var file))
{
    await File.AppendAllLinesAsync(file, log);
}

return 0;

// One search as the API endpoint makes it: a scope of its own (a DbContext per request).
async Task<SearchResponse> SearchAsync(SearchRequest request, Actor actor)
{
    using var scope = root.CreateScope();
    var search = scope.ServiceProvider.GetRequiredService<SearchService>();
    var (response, errors) = await search.SearchAsync(request, actor, CancellationToken.None);
    if (errors is not null)
    {
        throw new InvalidOperationException(string.Join("; ", errors.Select(e => e.Key + ": " + string.Join(' ', e.Value))));
    }

    return response!;
}
