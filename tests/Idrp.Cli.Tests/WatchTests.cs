using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Idrp.Testing;

namespace Idrp.Cli.Tests;

/// <summary><c>idrp watch</c> as a real process against a real server: settling, restarts, <c>--once</c>, SIGTERM.</summary>
public sealed class WatchTests(IdrpServer server) : IClassFixture<IdrpServer>
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_growing_file_is_uploaded_only_once_it_settles_and_a_restarted_watch_uploads_nothing_again()
    {
        using var cli = new Cli();
        var (user, proposal) = await Setup.SignedInAsync(server, cli, "Wanda");
        var folder = Setup.Folder(cli, "instrument");
        string[] args = ["watch", folder, "--proposal", proposal.Id().ToString(), "--experiment", "E", "--measurement", "M", "--settle", "1", "--poll", "0.2"];
        var path = Path.Combine(folder, "scan.dat");
        var first = Tus.RandomBytes(200_000, seed: 51);
        var second = Tus.RandomBytes(100_001, seed: 52);
        await File.WriteAllTextAsync(Path.Combine(folder, ".scan.dat.swp"), "hidden", Ct);
        await File.WriteAllTextAsync(Path.Combine(folder, "copying.part"), "temporary", Ct);

        Guid measurementId;
        using (var watch = new WatchProcess(cli, args))
        {
            measurementId = MeasurementId(await watch.LineAsync("created experiment"));

            // Written in two steps with pauses shorter than --settle: nothing may reach the server in between.
            await File.WriteAllBytesAsync(path, first, Ct);
            await Task.Delay(600, Ct);
            Assert.Empty(await Setup.AssetsAsync(user, measurementId));
            await using (var append = new FileStream(path, FileMode.Append))
            {
                await append.WriteAsync(second, Ct);
            }

            await Task.Delay(600, Ct);
            Assert.Empty(await Setup.AssetsAsync(user, measurementId));

            await watch.LineAsync("uploaded scan.dat");
            watch.Kill();
            Assert.DoesNotContain(watch.Lines, l => l.Contains(".part", StringComparison.Ordinal) || l.Contains(".swp", StringComparison.Ordinal));
        }

        var asset = Assert.Single(await Setup.AssetsAsync(user, measurementId));
        Assert.Equal("complete", asset["state"]!.GetValue<string>());
        Assert.Equal(Tus.Sha256([.. first, .. second]), asset["dataChecksum"]!.GetValue<string>());

        // Restarted (killed, not stopped): the stored file is skipped, only the new one goes up.
        using (var watch = new WatchProcess(cli, args))
        {
            await watch.LineAsync("using experiment");
            await File.WriteAllTextAsync(Path.Combine(folder, "later.txt"), "written while restarted", Ct);
            await watch.LineAsync("skipped scan.dat");
            await watch.LineAsync("uploaded later.txt");
            watch.Kill();
            Assert.DoesNotContain(watch.Lines, l => l.Contains("uploaded scan.dat", StringComparison.Ordinal));
        }

        var assets = await Setup.AssetsAsync(user, measurementId);
        Assert.Equal(["later.txt", "scan.dat"], assets.Select(Setup.Key).Order(StringComparer.Ordinal));
        Assert.Contains(assets, a => a.Id() == asset.Id());
        Assert.All(assets, a => Assert.Equal("complete", a["state"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Once_waits_for_a_growing_file_ingests_it_and_exits_with_0_and_a_second_run_skips_it()
    {
        using var cli = new Cli();
        var (user, proposal) = await Setup.SignedInAsync(server, cli, "Xena");
        var folder = Setup.Folder(cli, "cron");
        var path = Path.Combine(folder, "image.tif");
        var first = Tus.RandomBytes(50_000, seed: 53);
        var second = Tus.RandomBytes(7, seed: 54);
        await File.WriteAllBytesAsync(path, first, Ct);
        string[] args = ["watch", folder, "--proposal", proposal.Id().ToString(), "--experiment", "E", "--measurement", "M", "--settle", "1", "--poll", "0.2", "--once"];

        Guid measurementId;
        using (var watch = new WatchProcess(cli, args))
        {
            measurementId = MeasurementId(await watch.LineAsync("created experiment"));
            await Task.Delay(300, Ct);
            await using (var append = new FileStream(path, FileMode.Append))
            {
                await append.WriteAsync(second, Ct);
            }

            await Task.Delay(600, Ct);
            Assert.False(watch.Process.HasExited, "--once ended before the file settled");
            Assert.Empty(await Setup.AssetsAsync(user, measurementId));
            Assert.Equal(0, await watch.ExitAsync());
            Assert.Contains(watch.Lines, l => l.EndsWith(" uploaded image.tif", StringComparison.Ordinal));
        }

        var asset = Assert.Single(await Setup.AssetsAsync(user, measurementId));
        Assert.Equal("complete", asset["state"]!.GetValue<string>());
        Assert.Equal(Tus.Sha256([.. first, .. second]), asset["dataChecksum"]!.GetValue<string>());

        var again = await cli.RunAsync(args);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains(" skipped image.tif", again.Stdout);
        Assert.Single(await Setup.AssetsAsync(user, measurementId));
    }

    [Fact]
    public async Task Sigterm_stops_the_watch_cleanly_with_130_and_a_line_saying_so()
    {
        using var cli = new Cli();
        var (_, proposal) = await Setup.SignedInAsync(server, cli, "Yuri");
        var folder = Setup.Folder(cli, "service");
        using var watch = new WatchProcess(cli, ["watch", folder, "--proposal", proposal.Id().ToString(), "--experiment", "E", "--measurement", "M", "--poll", "0.2"]);
        await watch.LineAsync("created experiment");

        using (var kill = Process.Start("kill", ["-TERM", watch.Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(Ct);
            Assert.Equal(0, kill.ExitCode);
        }

        var exitCode = await watch.ExitAsync();
        Assert.True(exitCode == 130, $"exit {exitCode}: {await watch.StderrAsync()}");
        Assert.Contains(" stopped;", watch.Lines[^1]);
    }

    private static Guid MeasurementId(string header) =>
        Guid.Parse(header[(header.LastIndexOf('(') + 1)..header.LastIndexOf(')')]);

    /// <summary>A running <c>idrp watch</c> whose stdout lines the test can wait for; every wait is bounded.</summary>
    private sealed class WatchProcess : IDisposable
    {
        private readonly List<string> _lines = [];
        private readonly Task _stdout;
        private readonly Task<string> _stderr;

        public WatchProcess(Cli cli, string[] args)
        {
            Process = cli.Start(args);
            _stderr = Process.StandardError.ReadToEndAsync();
            _stdout = Task.Run(async () =>
            {
                while (await Process.StandardOutput.ReadLineAsync() is { } line)
                {
                    lock (_lines)
                    {
                        _lines.Add(line);
                    }
                }
            });
        }

        public Process Process { get; }

        public List<string> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public async Task<string> LineAsync(string containing)
        {
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < Bound)
            {
                if (Lines.FirstOrDefault(l => l.Contains(containing, StringComparison.Ordinal)) is { } line)
                {
                    return line;
                }

                if (Process.HasExited)
                {
                    break;
                }

                await Task.Delay(20, Ct);
            }

            throw new TimeoutException($"idrp watch printed no line with '{containing}'{(Process.HasExited ? $" and exited with {Process.ExitCode}" : "")}:\n{string.Join('\n', Lines)}\n--- stderr\n{(Process.HasExited ? await _stderr : "")}");
        }

        public async Task<int> ExitAsync()
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(Bound);
            await Process.WaitForExitAsync(timeout.Token);
            await _stdout;
            return Process.ExitCode;
        }

        public Task<string> StderrAsync() => _stderr.WaitAsync(Bound, Ct);

        public void Kill()
        {
            Process.Kill(entireProcessTree: true);
            Process.WaitForExit(Bound);
        }

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
            }

            Process.Dispose();
        }
    }
}
