using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Idrp.Testing;

/// <summary>
/// Real server and worker processes (the built Idrp.Server.dll, started with dotnet) sharing one data folder, database
/// and blob store, for tests that kill processes (kill -9) and start them again. On the PostgreSQL test run they form
/// a cluster; on SQLite one process. The server tests and the CLI tests both use it.
/// </summary>
public sealed class ServerProcesses : IAsyncDisposable
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "idrp-tests", "proc-" + Guid.NewGuid().ToString("N"));
    private readonly List<ServerProcess> _started = [];
    private TestDatabase _database = null!;

    private ServerProcesses()
    {
    }

    public TestStorage Storage { get; private set; } = null!;

    public string DataDirectory => _dataDirectory;

    /// <summary>Whether separate worker processes can share the database (PostgreSQL), rather than one process doing all.</summary>
    public bool CanCluster => _database.Provider == "Postgres";

    /// <summary>The SQLite database file the processes share, for tests that look beside the server; null on PostgreSQL.</summary>
    public string? SqliteFile => _database.Provider == "Sqlite" ? Path.Combine(_dataDirectory, "idrp.db") : null;

    public static async Task<ServerProcesses> CreateAsync() => new()
    {
        _database = await TestDatabase.CreateAsync(),
        Storage = await TestStorage.CreateAsync(),
    };

    /// <summary>
    /// Starts a process in a role ("all", "web", "worker") and waits until it answers /health/ready;
    /// <paramref name="settings"/> are extra configuration keys (Storage:UploadSyncBytes, …).
    /// </summary>
    public async Task<ServerProcess> StartAsync(string role = "all", IReadOnlyDictionary<string, string>? settings = null)
    {
        var port = FreePort();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _dataDirectory,
        };
        info.ArgumentList.Add(ServerDll());
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add($"http://127.0.0.1:{port}");
        info.ArgumentList.Add("--role");
        info.ArgumentList.Add(role);
        var configuration = new Dictionary<string, string?>
        {
            ["DataDirectory"] = _dataDirectory,
            ["Database__Provider"] = _database.Provider,
            ["Database__ConnectionString"] = _database.ConnectionString,
            ["Admin__Password"] = IdrpServer.AdminPassword,
            ["Jobs__TypeAssemblies__0"] = IdrpServer.TestJobTypesAssembly,
            ["Jobs__HeartbeatInterval"] = "00:00:00.250",
            ["Jobs__ClusterCheckinInterval"] = "00:00:01",
            ["Jobs__ClusterCheckinMisfireThreshold"] = "00:00:02",
            ["Previews__ThumbnailsOnUpload"] = "false", // as in IdrpServer: tests see only the jobs they submit
        };
        foreach (var (key, value) in Storage.Settings.Concat(settings?.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)) ?? []))
        {
            configuration[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        // Only this configuration: nothing from the environment the tests run in (IDRP_SERVER and IDRP_TOKEN are the CLI's).
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("IDRP_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }

        foreach (var (key, value) in configuration)
        {
            info.Environment["IDRP_" + key] = value;
        }

        info.Environment["DOTNET_ENVIRONMENT"] = "Testing";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        Directory.CreateDirectory(_dataDirectory);
        var process = new ServerProcess(info, new Uri($"http://127.0.0.1:{port}/"));
        _started.Add(process);
        await process.StartAgainAsync();
        return process;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _started)
        {
            process.Kill();
        }

        await _database.DisposeAsync();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The server as built by the solution (Release, or the configuration these tests were built in).</summary>
    private static string ServerDll()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name; // bin/<Configuration>/net10.0/
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "src", "Idrp.Server", "bin", configuration, "net10.0", "Idrp.Server.dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("Build the solution first: src/Idrp.Server's output was not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>One server or worker process: started, killed with SIGKILL, started again on the same port and data.</summary>
public sealed class ServerProcess(ProcessStartInfo info, Uri baseAddress) : IServerEndpoint
{
    private readonly System.Text.StringBuilder _output = new();
    private Process? _process;

    public Uri BaseAddress { get; } = baseAddress;

    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("The process is not running.");

    public bool HasExited => _process is null || _process.HasExited;

    /// <summary>kill -9: the process gets no chance to clean up.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public HttpClient NewHttpClient(bool cookies = false) =>
        new(new SocketsHttpHandler { UseCookies = cookies, AllowAutoRedirect = false }) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>A client signed in as the first admin by API token.</summary>
    public async Task<ApiClient> AdminAsync()
    {
        var client = new ApiClient(NewHttpClient(), this);
        await client.LoginAsync("admin", IdrpServer.AdminPassword);
        return new ApiClient(NewHttpClient(), this, await client.CreateTokenAsync("admin tests"));
    }

    /// <summary>Starts the process (again, after <see cref="Kill"/>) with the same port, settings and data, and waits until it is ready.</summary>
    public async Task StartAgainAsync()
    {
        Kill();
        _process?.Dispose();
        var process = _process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => { lock (_output) { _output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (_output) { _output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = NewHttpClient();
        // Generous: a cold start (JIT, migrations, Quartz schema check) on a busy 2-core machine takes tens of seconds.
        var deadline = DateTime.UtcNow.AddSeconds(180);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                if ((await http.GetAsync("/health/ready")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200);
        }

        throw new InvalidOperationException($"The server process did not become ready:\n{Output}");
    }

    /// <summary>What the process printed, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }
}
