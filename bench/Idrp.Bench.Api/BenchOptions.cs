using System.Globalization;

namespace Idrp.Bench.Api;

/// <summary>What to run, with every loop bounded in count and in time.</summary>
internal sealed record BenchOptions
{
    /// <summary>The built server, e.g. src/Idrp.Server/bin/Release/net10.0/Idrp.Server.dll.</summary>
    public required string ServerDll { get; init; }

    /// <summary>"Sqlite" and/or "Postgres", in the order given.</summary>
    public IReadOnlyList<string> Providers { get; init; } = ["Sqlite"];

    /// <summary>Connection string of a PostgreSQL cluster on loopback; the benchmark uses a fresh database on it.</summary>
    public string? PostgresConnectionString { get; init; }

    /// <summary>PID of that cluster's postmaster, to account PostgreSQL's CPU time (optional).</summary>
    public int? PostgresPid { get; init; }

    /// <summary>Records (one measurement and one data asset each) registered per concurrency level.</summary>
    public int Records { get; init; } = 300;

    public IReadOnlyList<int> Concurrency { get; init; } = [1, 8, 32];

    /// <summary>Upper bound on one registration phase; it stops early with fewer records.</summary>
    public TimeSpan MaxRegistrationTime { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Duration of each GET case.</summary>
    public TimeSpan GetDuration { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Upper bound on requests in one GET case.</summary>
    public long MaxGetRequests { get; init; } = 500_000;

    /// <summary>Records registered (and GETs sent) before measuring, so the server's JIT has warmed up.</summary>
    public int WarmupRecords { get; init; } = 100;

    /// <summary>Extra environment variables for the server, e.g. to compare a setting: "KEY=VALUE;KEY2=VALUE2".</summary>
    public IReadOnlyDictionary<string, string> ServerEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>Where the server's PID is written while it runs, so a wrapper can kill it if this process dies.</summary>
    public string? PidFile { get; init; }

    /// <summary>Where the result tables are written as Markdown (optional).</summary>
    public string? MarkdownFile { get; init; }

    public const string Usage = """
        Usage: Idrp.Bench.Api --server <Idrp.Server.dll> [--providers Sqlite,Postgres] [--postgres <connection string>]
               [--postgres-pid <postmaster pid>] [--records 300] [--concurrency 1,8,32] [--max-registration-seconds 120]
               [--get-seconds 5] [--max-get-requests 500000] [--warmup 100] [--server-env KEY=VALUE;...] [--pid-file <path>] [--markdown <path>]
        """;

    public static BenchOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"Unexpected argument '{args[i]}'.\n{Usage}");
            }

            values[args[i][2..]] = args[++i];
        }

        string? Get(string key) => values.Remove(key, out var value) ? value : null;
        static int Int(string text) => int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture);

        var server = Get("server") ?? throw new ArgumentException($"--server is required.\n{Usage}");
        var options = new BenchOptions { ServerDll = Path.GetFullPath(server) };
        if (Get("providers") is { } providers)
        {
            options = options with { Providers = providers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Provider).ToList() };
        }

        options = options with
        {
            PostgresConnectionString = Get("postgres"),
            PostgresPid = Get("postgres-pid") is { } pid ? Int(pid) : null,
            PidFile = Get("pid-file"),
            MarkdownFile = Get("markdown"),
        };
        if (Get("records") is { } records)
        {
            options = options with { Records = Int(records) };
        }

        if (Get("concurrency") is { } concurrency)
        {
            options = options with { Concurrency = concurrency.Split(',').Select(Int).ToList() };
        }

        if (Get("max-registration-seconds") is { } maxRegistration)
        {
            options = options with { MaxRegistrationTime = TimeSpan.FromSeconds(Int(maxRegistration)) };
        }

        if (Get("get-seconds") is { } getSeconds)
        {
            options = options with { GetDuration = TimeSpan.FromSeconds(Int(getSeconds)) };
        }

        if (Get("max-get-requests") is { } maxGets)
        {
            options = options with { MaxGetRequests = Int(maxGets) };
        }

        if (Get("warmup") is { } warmup)
        {
            options = options with { WarmupRecords = Int(warmup) };
        }

        if (Get("server-env") is { } environment)
        {
            options = options with
            {
                ServerEnvironment = environment.Split(';', StringSplitOptions.RemoveEmptyEntries)
                    .Select(pair => pair.Split('=', 2))
                    .ToDictionary(pair => pair[0], pair => pair.Length == 2 ? pair[1] : throw new ArgumentException($"--server-env wants KEY=VALUE, not '{pair[0]}'.")),
            };
        }

        if (values.Count > 0)
        {
            throw new ArgumentException($"Unknown option --{values.Keys.First()}.\n{Usage}");
        }

        if (!File.Exists(options.ServerDll))
        {
            throw new ArgumentException($"The server assembly {options.ServerDll} does not exist; build src/Idrp.Server first.");
        }

        if (options.Providers.Contains("Postgres") && string.IsNullOrWhiteSpace(options.PostgresConnectionString))
        {
            throw new ArgumentException("--postgres <connection string> is required for the Postgres provider.");
        }

        if (options.Records < 1 || options.Concurrency.Count == 0 || options.Concurrency.Any(c => c is < 1 or > 256))
        {
            throw new ArgumentException("--records must be positive and every concurrency level between 1 and 256.");
        }

        return options;
    }

    private static string Provider(string name) => name.ToUpperInvariant() switch
    {
        "SQLITE" => "Sqlite",
        "POSTGRES" or "POSTGRESQL" => "Postgres",
        _ => throw new ArgumentException($"Unknown provider '{name}': Sqlite or Postgres."),
    };
}
