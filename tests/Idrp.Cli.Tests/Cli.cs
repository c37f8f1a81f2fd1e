using System.Diagnostics;
using System.Text;

namespace Idrp.Cli.Tests;

/// <summary>What one run of the CLI printed and how it ended.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>
/// Runs the real <c>idrp</c> (dotnet idrp.dll) as a separate process with a home, config and cache folder of
/// its own, so that tests never see each other's sign-in or ingest state, nor the developer's.
/// </summary>
public sealed class Cli : IDisposable
{
    public Cli()
    {
        Home = Directory.CreateTempSubdirectory("idrp-cli-").FullName;
    }

    public string Home { get; }

    public string ConfigHome => Path.Combine(Home, "config");

    public string CacheHome => Path.Combine(Home, "cache");

    public static string IdrpDll
    {
        get
        {
            // tests/Idrp.Cli.Tests/bin/<Configuration>/net10.0/ -> src/Idrp.Cli/bin/<Configuration>/net10.0/idrp.dll
            var own = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var built = Path.GetFullPath(Path.Combine(own.FullName, "..", "..", "..", "..", "..", "src", "Idrp.Cli", "bin", own.Parent!.Name, own.Name, "idrp.dll"));
            return File.Exists(built) ? built : Path.Combine(AppContext.BaseDirectory, "idrp.dll");
        }
    }

    public Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(IdrpDll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["HOME"] = Home;
        info.Environment["XDG_CONFIG_HOME"] = ConfigHome;
        info.Environment["XDG_CACHE_HOME"] = CacheHome;
        info.Environment.Remove("IDRP_SERVER");
        info.Environment.Remove("IDRP_TOKEN");
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return Process.Start(info)!;
    }

    public async Task<CliResult> RunAsync(params string[] args)
    {
        using var process = Start(args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"idrp {string.Join(' ', args)} did not finish: {await stdout} {await stderr}");
        }

        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Home, recursive: true);
        }
        catch (IOException)
        {
            // Only a temp folder left behind.
        }
    }
}
