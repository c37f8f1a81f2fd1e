using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Idrp.Testing;

/// <summary>
/// A real IDRP server on Kestrel at a loopback port, with its own data folder and database. One per test
/// class; tests create their own users and proposals, so they do not depend on each other or on order.
/// </summary>
public class IdrpServer : IAsyncLifetime, IServerEndpoint
{
    public const string AdminPassword = "admin-password-for-tests";

    /// <summary>The assembly of test-only job types (e.g. "test.slow-copy"), beside the tests.</summary>
    public static string TestJobTypesAssembly => Path.Combine(AppContext.BaseDirectory, "Idrp.Jobs.TestTypes.dll");

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "idrp-tests", Guid.NewGuid().ToString("N"));
    private TestDatabase? _database;
    private Factory? _factory;

    /// <summary>Every log line the server wrote, for tests about what must never be logged.</summary>
    public ConcurrentQueue<string> Logs { get; } = new();

    public Uri BaseAddress { get; private set; } = null!;

    public string Provider => _database!.Provider;

    public IServiceProvider Services => _factory!.Services;

    /// <summary>Settings a derived fixture adds or overrides (e.g. to turn on a feature the tests keep off).</summary>
    protected virtual IReadOnlyDictionary<string, string?> ExtraSettings { get; } = new Dictionary<string, string?>();

    public async ValueTask InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        Storage = await TestStorage.CreateAsync();
        _factory = new Factory(_dataDirectory, _database, Storage, Logs, ExtraSettings);
        _factory.UseKestrel(0);
        _factory.StartServer();
        BaseAddress = _factory.ClientOptions.BaseAddress;
    }

    /// <summary>Stops the server and starts a new one on the same data folder and database (a new port).</summary>
    public async Task RestartAsync()
    {
        await _factory!.DisposeAsync();
        _factory = new Factory(_dataDirectory, _database!, Storage, Logs, ExtraSettings);
        _factory.UseKestrel(0);
        _factory.StartServer();
        BaseAddress = _factory.ClientOptions.BaseAddress;
    }

    public string DataDirectory => _dataDirectory;

    /// <summary>The folder mounted as archive root "test" (archive://test/...); created on first use.</summary>
    public string ArchiveDirectory => Directory.CreateDirectory(Path.Combine(_dataDirectory, "archive")).FullName;

    /// <summary>The blob store the server runs on: a local folder, or a bucket on the test S3 service.</summary>
    public TestStorage Storage { get; private set; } = null!;

    /// <summary>A client with no credentials.</summary>
    public ApiClient Anonymous() => new(NewHttpClient(), this);

    /// <summary>A client signed in as the first admin by API token.</summary>
    public async Task<ApiClient> AdminAsync()
    {
        var client = Anonymous();
        await client.LoginAsync("admin", AdminPassword);
        var token = await client.CreateTokenAsync("admin tests");
        return new ApiClient(NewHttpClient(), this, token);
    }

    public HttpClient NewHttpClient(bool cookies = false)
    {
        var handler = new SocketsHttpHandler { UseCookies = cookies, AllowAutoRedirect = false };
        return new HttpClient(handler) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open only leaves a temp folder behind.
        }
    }

    private sealed class Factory(string dataDirectory, TestDatabase database, TestStorage storage, ConcurrentQueue<string> logs, IReadOnlyDictionary<string, string?> extra) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            var settings = new Dictionary<string, string?>
            {
                ["DataDirectory"] = dataDirectory,
                ["Database:Provider"] = database.Provider,
                ["Database:ConnectionString"] = database.ConnectionString,
                ["Admin:Password"] = AdminPassword,
                // Tests serve linked files from loopback and mount one archive folder.
                ["Archives:AllowedHosts:0"] = "127.0.0.1",
                ["Archives:Roots:test"] = Path.Combine(dataDirectory, "archive"),
                // The test job types, loaded as an operator loads their own.
                ["Jobs:TypeAssemblies:0"] = TestJobTypesAssembly,
                ["Jobs:HeartbeatInterval"] = "00:00:00.250",
                // Small enough that a test can send a file too large for a batch upload.
                ["Storage:BatchMaxFileBytes"] = "1048576",
                // Off, so that tests counting a measurement's assets or jobs see only their own; PreviewTests turn it on.
                ["Previews:ThumbnailsOnUpload"] = "false",
            };
            foreach (var (key, value) in storage.Settings.Concat(extra))
            {
                settings[key] = value;
            }

            // Settings, not app configuration: the server reads some (database provider, job store) while it registers
            // its services, before configuration added by ConfigureAppConfiguration would be visible.
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }

            builder.ConfigureLogging(logging => logging.ClearProviders().AddProvider(new CollectingLoggerProvider(logs)));
        }
    }
}

/// <summary>Keeps every formatted log message (and exception text) in memory.</summary>
internal sealed class CollectingLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var structured = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}"))
                : "";
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {structured} {exception}");
        }
    }
}
