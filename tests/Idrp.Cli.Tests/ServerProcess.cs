using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Idrp.Cli.Tests;

/// <summary>
/// The built server as a separate process (<c>dotnet Idrp.Server.dll</c>) on a fixed loopback port with its own data
/// folder and SQLite database, for tests that kill it with SIGKILL and start it again on the same data.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private const string AdminPassword = "admin-password-for-kill-tests";
    private readonly Dictionary<string, string> _settings;
    private Process? _process;

    private ServerProcess(Dictionary<string, string> settings)
    {
        _settings = settings;
        var port = FreePort();
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
    }

    public Uri BaseAddress { get; }

    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("idrp-server-").FullName;

    /// <summary>What the server printed, for failure messages.</summary>
    public ConcurrentQueue<string> Output { get; } = new();

    /// <summary>src/Idrp.Server/bin/&lt;Configuration&gt;/net10.0/Idrp.Server.dll, built with this test project.</summary>
    public static string ServerDll
    {
        get
        {
            var own = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            return Path.GetFullPath(Path.Combine(own.FullName, "..", "..", "..", "..", "..", "src", "Idrp.Server", "bin", own.Parent!.Name, own.Name, "Idrp.Server.dll"));
        }
    }

    /// <summary>Starts a server; <paramref name="settings"/> are configuration keys (Storage:UploadSyncBytes, …).</summary>
    public static async Task<ServerProcess> StartAsync(IReadOnlyDictionary<string, string>? settings = null)
    {
        var server = new ServerProcess(new Dictionary<string, string>(settings ?? new Dictionary<string, string>(), StringComparer.Ordinal));
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts the server (again, after <see cref="KillAsync"/>) on the same port, data folder and database, and waits until it is ready.</summary>
    public async Task StartAgainAsync()
    {
        Assert.True(File.Exists(ServerDll), $"The server is not built at {ServerDll}.");
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(ServerDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(ServerDll);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add(BaseAddress.ToString().TrimEnd('/'));
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("IDRP_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }

        info.Environment["IDRP_DataDirectory"] = DataDirectory;
        info.Environment["IDRP_Database__Provider"] = "Sqlite";
        info.Environment["IDRP_Admin__Password"] = AdminPassword;
        info.Environment["IDRP_Previews__ThumbnailsOnUpload"] = "false"; // as in IdrpServer: tests see only the jobs they submit
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in _settings)
        {
            info.Environment["IDRP_" + key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, e) => Output.Enqueue(e.Data ?? "");
        _process.ErrorDataReceived += (_, e) => Output.Enqueue(e.Data ?? "");
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        for (var attempt = 0; attempt < 600; attempt++)
        {
            Assert.False(_process.HasExited, $"The server exited with {(_process.HasExited ? _process.ExitCode : 0)}:\n{string.Join('\n', Output)}");
            try
            {
                using var response = await http.GetAsync("health/ready");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        Assert.Fail("The server did not become ready within 2 minutes:\n" + string.Join('\n', Output));
    }

    /// <summary>SIGKILL: no shutdown, no flush, no finally blocks.</summary>
    public async Task KillAsync()
    {
        _process!.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
    }

    /// <summary>Signs in as the admin and returns a client with a new read-write API token of the admin's.</summary>
    public async Task<HttpClient> AdminClientAsync()
    {
        using var session = new HttpClient(new SocketsHttpHandler { UseCookies = true }) { BaseAddress = BaseAddress };
        (await session.PostAsJsonAsync("api/v1/account/login", new { userName = "admin", password = AdminPassword })).EnsureSuccessStatusCode();
        var created = await session.PostAsJsonAsync("api/v1/account/tokens", new { name = "kill tests", scope = "readWrite" });
        created.EnsureSuccessStatusCode();
        var token = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["secret"]!.GetValue<string>();
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await KillAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Only a temp folder left behind.
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
