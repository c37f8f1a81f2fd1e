using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Idrp.Bench.Api;

/// <summary>
/// The real server as a separate process (<c>dotnet Idrp.Server.dll</c>) on a free loopback port, with its own
/// data folder. Disposing kills it; so do SIGINT and SIGTERM to this process, so no server outlives a run.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    public const string AdminUserName = "admin";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    private static readonly List<ServerProcess> Running = [];
    private static readonly PosixSignalRegistration[] SignalHandlers =
    [
        PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => KillAll()),
        PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => KillAll()),
    ];

    private readonly Process _process;
    private readonly string _dataDirectory;
    private readonly string? _pidFile;
    private int _stopped;

    private readonly Dictionary<string, long> _jitTicks = new(StringComparer.Ordinal);

    private ServerProcess(Process process, Uri baseAddress, string dataDirectory, string? pidFile)
    {
        _process = process;
        BaseAddress = baseAddress;
        _dataDirectory = dataDirectory;
        _pidFile = pidFile;
    }

    static ServerProcess() => AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();

    public Uri BaseAddress { get; }

    public int Pid => _process.Id;

    public string LogPath => Path.Combine(_dataDirectory, "server.log");

    public string DataDirectory => _dataDirectory;

    /// <summary>
    /// CPU time so far of the runtime's tiered-compilation threads: the JIT re-compiling hot methods after start
    /// (Linux only; zero where /proc is not there). A server in service has long finished this. The runtime ends an
    /// idle compilation thread and starts another later, so each read remembers every thread it has seen; read it
    /// often (the memory sampler does, every 200 ms) to lose at most the last moments of a thread that ends.
    /// </summary>
    public TimeSpan JitCpuTime
    {
        get
        {
            var folder = $"/proc/{_process.Id}/task";
            if (!Directory.Exists(folder))
            {
                return TimeSpan.Zero;
            }

            lock (_jitTicks)
            {
                foreach (var task in Directory.EnumerateDirectories(folder))
                {
                    try
                    {
                        if (File.ReadAllText(Path.Combine(task, "comm")).Trim() != ".NET Tiered Com")
                        {
                            continue;
                        }

                        // /proc/PID/task/TID/stat: fields 14 and 15 are utime and stime in clock ticks; the name
                        // (field 2) is in parentheses and may hold spaces, so count from the closing one.
                        var stat = File.ReadAllText(Path.Combine(task, "stat"));
                        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                        _jitTicks[Path.GetFileName(task)] = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                    }
                    catch (IOException)
                    {
                        // The thread ended meanwhile.
                    }
                }

                return TimeSpan.FromSeconds(_jitTicks.Values.Sum() / 100.0); // USER_HZ is 100 on Linux.
            }
        }
    }

    /// <summary>User plus system CPU time of the server so far.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>
    /// Starts the server and waits until /health/ready answers 200. <paramref name="connectionString"/> is null for
    /// the embedded SQLite database in the data folder.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(
        string serverDll, string provider, string? connectionString, string adminPassword, IReadOnlyDictionary<string, string> environment,
        string? pidFile, CancellationToken cancellationToken)
    {
        var port = FreeLoopbackPort();
        var baseAddress = new Uri($"http://127.0.0.1:{port}");
        var dataDirectory = Directory.CreateTempSubdirectory("idrp-bench-").FullName;

        // The shell only redirects the server's console to a file and then becomes the server (exec), so the
        // per-request log lines cost this client nothing and the PID is the server's own.
        var start = new ProcessStartInfo("/bin/sh")
        {
            ArgumentList = { "-c", "exec \"$0\" \"$@\" >\"$IDRP_BENCH_LOG\" 2>&1", "dotnet", serverDll, "--urls", baseAddress.ToString().TrimEnd('/') },
            // appsettings.json is read from the content root, the working directory.
            WorkingDirectory = Path.GetDirectoryName(serverDll)!,
            UseShellExecute = false,
        };
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("IDRP_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["IDRP_BENCH_LOG"] = Path.Combine(dataDirectory, "server.log");
        start.Environment["IDRP_DataDirectory"] = dataDirectory;
        start.Environment["IDRP_Admin__UserName"] = AdminUserName;
        start.Environment["IDRP_Admin__Password"] = adminPassword;
        start.Environment["IDRP_Database__Provider"] = provider;
        if (connectionString is not null)
        {
            start.Environment["IDRP_Database__ConnectionString"] = connectionString;
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the server.");
        var server = new ServerProcess(process, baseAddress, dataDirectory, pidFile);
        lock (Running)
        {
            Running.Add(server);
        }

        if (pidFile is not null)
        {
            await File.WriteAllTextAsync(pidFile, process.Id.ToString(CultureInfo.InvariantCulture), cancellationToken);
        }

        try
        {
            await server.WaitUntilReadyAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Peak and current resident set size in bytes (VmHWM and VmRSS of /proc/PID/status).</summary>
    public (long Peak, long Current) Memory()
    {
        long peak = 0, current = 0;
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kilobytes(line) * 1024;
            }
            else if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                current = Kilobytes(line) * 1024;
            }
        }

        return (peak, current);

        static long Kilobytes(string line) =>
            long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], NumberStyles.Integer, CultureInfo.InvariantCulture);
    }

    /// <summary>Bytes of the SQLite database with its write-ahead log; 0 on PostgreSQL.</summary>
    public long SqliteBytes() =>
        Directory.EnumerateFiles(_dataDirectory, "idrp.db*").Sum(f => new FileInfo(f).Length);

    public string LogTail(int lines)
    {
        try
        {
            return string.Join('\n', File.ReadLines(LogPath).TakeLast(lines));
        }
        catch (IOException e)
        {
            return $"(no server log: {e.Message})";
        }
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        lock (Running)
        {
            Running.Remove(this);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Kills the server, waits for it to go and removes its data folder and PID file; runs once.</summary>
    private void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited in the meantime.
        }

        if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            Console.Error.WriteLine($"Server {_process.Id} did not exit within 10 s of SIGKILL.");
        }

        _process.Dispose();
        if (_pidFile is not null)
        {
            File.Delete(_pidFile);
        }

        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"Could not remove {_dataDirectory}: {e.Message}");
        }
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < StartTimeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The server exited with code {_process.ExitCode} while starting:\n{LogTail(40)}");
            }

            try
            {
                using var response = await http.GetAsync("/health/ready", cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // A health check that took longer than 5 s: try again.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }

        throw new TimeoutException($"The server was not ready within {StartTimeout.TotalSeconds:0} s:\n{LogTail(40)}");
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void KillAll()
    {
        lock (Running)
        {
            foreach (var server in Running)
            {
                server.Stop();
            }
        }
    }
}
