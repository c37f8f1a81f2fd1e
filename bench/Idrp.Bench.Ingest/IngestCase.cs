using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Idrp.Bench.Api;

namespace Idrp.Bench.Ingest;

/// <summary>
/// One case: writes the files, copies them with <c>cp</c> (then fsyncs the copies, timed apart), starts a fresh
/// server, warms it up with an untimed ingest of other files, ingests the case's files with <c>idrp ingest</c> under
/// <c>/usr/bin/time -v</c> while sampling the server's memory, checks every asset is complete with the right checksum
/// and, for one big file, downloads it back.
/// </summary>
internal sealed class IngestCase(IngestBenchOptions options, CaseSpec spec)
{
    private const string AdminPassword = "bench-admin-password-1234";

    /// <summary>How many small files the untimed warm-up ingests before the measured one.</summary>
    private const int WarmUpFiles = 2_000;

    public async Task<CaseResult> RunAsync(CancellationToken ct)
    {
        var root = Path.Combine(options.Work, spec.Name);
        var source = Path.Combine(root, "source");
        var copy = Path.Combine(root, "copy");
        DeleteIfThere(root);
        try
        {
            Console.WriteLine($"== {spec.Label}: writing the files");
            var expected = await WriteFilesAsync(source, spec.Files, spec.BytesPerFile, ct);
            var warmUp = Path.Combine(root, "warm-up");
            await WriteFilesAsync(Path.Combine(warmUp, "small"), WarmUpFiles, 100_000, ct);
            await WriteFilesAsync(Path.Combine(warmUp, "big"), 1, 64L << 20, ct);
            // Flush the source files now, so that their write-back does not land in a measured phase.
            await RunAsync("sync", ["-f", source], ct);

            Console.WriteLine("== cp");
            var cpClock = Stopwatch.StartNew();
            await RunAsync("cp", ["-r", source, copy], ct);
            var cpSeconds = cpClock.Elapsed.TotalSeconds;
            var syncClock = Stopwatch.StartNew();
            await RunAsync("sh", ["-c", "find \"$0\" -type f -print0 | xargs -0 sync", copy], ct);
            var cpSyncSeconds = cpSeconds + syncClock.Elapsed.TotalSeconds;
            // The copy stays until the case ends: on ext4 without a journal (this machine's disk), creating a file
            // right after thousands were deleted costs a scan past their "recently deleted" inodes, which would
            // charge cp's clean-up to the ingest.

            Console.WriteLine("== idrp ingest");
            var environment = new Dictionary<string, string>(StringComparer.Ordinal);
            await using var server = await ServerProcess.StartAsync(options.ServerDll, "Sqlite", null, AdminPassword, environment, options.PidFile, ct);
            using var http = await SignInAsync(server.BaseAddress, ct);
            var proposal = await PostForIdAsync(http, "/api/v1/proposals", new { proposalNumber = "BENCH-" + Guid.NewGuid().ToString("N")[..8], title = "Ingest benchmark" }, ct);
            var home = Path.Combine(root, "home");
            var token = http.DefaultRequestHeaders.Authorization!.Parameter!;
            await RunCliAsync(home, ["login", "--server", server.BaseAddress.ToString(), "--token", token], ct);

            // A server in service has run its code paths many times; a fresh one spends the first seconds compiling
            // them (tiered JIT). Untimed ingests of both kinds of file, into other measurements, warm it up. Twice:
            // the runtime counts a method's calls towards its optimised version only once no new method has been
            // compiled for a while, so most of what the first round runs is counted, and re-compiled, in the second
            // (without it, a trace of the timed run found a thousand methods compiled there). 1 MiB chunks, so that
            // the large file's per-request code runs 64 times per round rather than 4.
            for (var round = 1; round <= 2; round++)
            {
                Console.WriteLine($"== warm-up {round}: {WarmUpFiles} files of 100 kB and one of 64 MiB in 1 MiB chunks (untimed)");
                await RunCliAsync(home, ["ingest", warmUp, "--proposal", proposal.ToString(), "--experiment", "bench", "--measurement", $"warm-up-{round}", "--chunk-size", "1", "--json"], ct);
                await JitSettledAsync(server, ct);
            }

            Console.WriteLine("== timed ingest");
            ProcessMemory.ResetPeak(server.Pid);
            var serverCpuBefore = server.CpuTime;
            var serverJitBefore = server.JitCpuTime;
            using var sampler = new RssSampler(server.Pid, () => _ = server.JitCpuTime);
            List<string> ingestArgs = ["ingest", source, "--proposal", proposal.ToString(), "--experiment", "bench", "--measurement", spec.Name, "--json"];
            if (options.Parallel is { } parallel)
            {
                ingestArgs.AddRange(["--parallel", parallel.ToString(CultureInfo.InvariantCulture)]);
            }

            if (options.ChunkMiB is { } chunk)
            {
                ingestArgs.AddRange(["--chunk-size", chunk.ToString(CultureInfo.InvariantCulture)]);
            }

            var ingestClock = Stopwatch.StartNew();
            var ingest = await RunCliAsync(home, ingestArgs, ct);
            var ingestSeconds = ingestClock.Elapsed.TotalSeconds;
            var serverCpu = (server.CpuTime - serverCpuBefore).TotalSeconds;
            var serverJit = (server.JitCpuTime - serverJitBefore).TotalSeconds;
            var serverPeak = ProcessMemory.Peak(server.Pid);
            var serverSamples = sampler.Stop();

            // Every file must be a complete asset with the checksum of the file written.
            var report = JsonNode.Parse(ingest.Stdout)!;
            var measurementId = report["measurementId"]!.GetValue<string>();
            var complete = 0;
            string? bigAsset = null;
            await foreach (var asset in ListAsync(http, $"/api/v1/data-assets?measurementId={measurementId}", ct))
            {
                var key = asset["relativePath"]!.GetValue<string>() is { Length: > 0 } folder ? folder + "/" + asset["dataAssetName"]!.GetValue<string>() : asset["dataAssetName"]!.GetValue<string>();
                if (asset["state"]!.GetValue<string>() != "complete" || asset["dataChecksum"]!.GetValue<string>() != "sha256:" + expected[key])
                {
                    throw new InvalidOperationException($"{key} is {asset["state"]} with {asset["dataChecksum"]}, expected sha256:{expected[key]}");
                }

                complete++;
                bigAsset = asset["id"]!.GetValue<string>();
            }

            if (complete != spec.Files)
            {
                throw new InvalidOperationException($"{complete} complete assets, expected {spec.Files}: {ingest.Stderr}");
            }

            DownloadResult? download = null;
            if (options.Download && spec.Files == 1)
            {
                Console.WriteLine("== download");
                download = await DownloadAsync(server, http, bigAsset!, expected.Values.Single(), ct);
            }

            return new CaseResult(
                spec, cpSeconds, cpSyncSeconds, ingestSeconds, ingest.PeakRss, ingest.CpuSeconds, serverPeak, serverSamples.Baseline, serverCpu, serverJit,
                download, server.SqliteBytes());
        }
        finally
        {
            DeleteIfThere(root);
        }
    }

    /// <summary>Writes the case's files (random bytes, so nothing compresses) and returns their SHA-256 by relative path.</summary>
    /// <summary>
    /// Waits (at most a minute) until the server's tiered-compilation thread has been idle for a second: the warm-up
    /// leaves a backlog of hot methods to re-compile, which would otherwise run during, and be charged to, the
    /// timed ingest. A server in service has done this long ago.
    /// </summary>
    private static async Task JitSettledAsync(ServerProcess server, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var last = server.JitCpuTime;
        while (clock.Elapsed < TimeSpan.FromMinutes(1))
        {
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            var now = server.JitCpuTime;
            if (now - last < TimeSpan.FromMilliseconds(20))
            {
                Console.WriteLine($"== JIT settled after {clock.Elapsed.TotalSeconds:0.0} s");
                return;
            }

            last = now;
        }

        Console.WriteLine("== JIT still busy after 60 s; timing anyway");
    }

    private static async Task<Dictionary<string, string>> WriteFilesAsync(string folder, int files, long bytesPerFile, CancellationToken ct)
    {
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        var block = new byte[Math.Min(bytesPerFile, 64L << 20)];
        new Random(4 + files).NextBytes(block);
        for (var i = 0; i < files; i++)
        {
            var relative = files == 1 ? "big.raw" : $"run{i / 1000:00}/frame_{i:00000}.raw";
            var path = Path.Combine(folder, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous))
            {
                for (long written = 0, n = 0; written < bytesPerFile; n++)
                {
                    // A different first 8 bytes per block and per file: no two blocks or files are the same.
                    BitConverter.TryWriteBytes(block, (i * 1_000_003L) + n);
                    var length = (int)Math.Min(block.Length, bytesPerFile - written);
                    sha.AppendData(block, 0, length);
                    await file.WriteAsync(block.AsMemory(0, length), ct);
                    written += length;
                }
            }

            hashes[relative] = Convert.ToHexStringLower(sha.GetHashAndReset());
        }

        return hashes;
    }

    private static async Task<DownloadResult> DownloadAsync(ServerProcess server, HttpClient http, string assetId, string sha256, CancellationToken ct)
    {
        ProcessMemory.ResetPeak(server.Pid);
        using var sampler = new RssSampler(server.Pid);
        var clock = Stopwatch.StartNew();
        using var response = await http.GetAsync($"/api/v1/data-assets/{assetId}/content", HttpCompletionOption.ResponseHeadersRead, ct);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        var hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(body, ct));
        var seconds = clock.Elapsed.TotalSeconds;
        if (hash != sha256)
        {
            throw new InvalidOperationException($"The download's SHA-256 is {hash}, not {sha256}.");
        }

        var samples = sampler.Stop();
        return new DownloadResult(seconds, ProcessMemory.Peak(server.Pid), samples.Baseline);
    }

    private async Task<CliRun> RunCliAsync(string home, IReadOnlyList<string> args, CancellationToken ct)
    {
        var timeFile = Path.Combine(Path.GetTempPath(), "idrp-bench-time-" + Guid.NewGuid().ToString("N"));
        var info = new ProcessStartInfo("/usr/bin/time") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])["-v", "-o", timeFile, "dotnet", options.CliDll, .. args])
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["HOME"] = home;
        info.Environment["XDG_CONFIG_HOME"] = Path.Combine(home, "config");
        info.Environment["XDG_CACHE_HOME"] = Path.Combine(home, "cache");
        info.Environment.Remove("IDRP_SERVER");
        info.Environment.Remove("IDRP_TOKEN");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        var time = await File.ReadAllLinesAsync(timeFile, ct);
        File.Delete(timeFile);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"idrp {args[0]} exited with {process.ExitCode}: {await stderr}");
        }

        string Field(string prefix) => time.Select(l => l.Trim()).First(l => l.StartsWith(prefix, StringComparison.Ordinal))[prefix.Length..].Trim();
        var peak = long.Parse(Field("Maximum resident set size (kbytes):"), CultureInfo.InvariantCulture) * 1024;
        var cpu = double.Parse(Field("User time (seconds):"), CultureInfo.InvariantCulture) + double.Parse(Field("System time (seconds):"), CultureInfo.InvariantCulture);
        return new CliRun(await stdout, await stderr, peak, cpu);
    }

    private static async Task<HttpClient> SignInAsync(Uri baseAddress, CancellationToken ct)
    {
        using var session = new HttpClient(new SocketsHttpHandler { UseCookies = true }) { BaseAddress = baseAddress };
        (await session.PostAsJsonAsync("/api/v1/account/login", new { userName = ServerProcess.AdminUserName, password = AdminPassword }, ct)).EnsureSuccessStatusCode();
        var userName = "bench" + Guid.NewGuid().ToString("N")[..8];
        const string password = "bench-user-password-1234";
        (await session.PostAsJsonAsync("/api/v1/people", new { displayName = "Bench User", userName, password, email = userName + "@example.org" }, ct)).EnsureSuccessStatusCode();

        using var user = new HttpClient(new SocketsHttpHandler { UseCookies = true }) { BaseAddress = baseAddress };
        (await user.PostAsJsonAsync("/api/v1/account/login", new { userName, password }, ct)).EnsureSuccessStatusCode();
        var created = await user.PostAsJsonAsync("/api/v1/account/tokens", new { name = "bench", scope = "readWrite" }, ct);
        created.EnsureSuccessStatusCode();
        var secret = JsonNode.Parse(await created.Content.ReadAsStringAsync(ct))!["secret"]!.GetValue<string>();
        var http = new HttpClient { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return http;
    }

    private static async Task<Guid> PostForIdAsync(HttpClient http, string path, object body, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync(path, body, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {text}");
        }

        return Guid.Parse(JsonNode.Parse(text)!["id"]!.GetValue<string>());
    }

    private static async IAsyncEnumerable<JsonObject> ListAsync(HttpClient http, string path, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        string? after = null;
        do
        {
            var page = JsonNode.Parse(await http.GetStringAsync(path + "&limit=500" + (after is null ? "" : "&after=" + after), ct))!;
            foreach (var item in page["items"]!.AsArray())
            {
                yield return item!.AsObject();
            }

            after = page["next"]?.GetValue<string>();
        }
        while (after is not null);
    }

    private static async Task RunAsync(string program, IReadOnlyList<string> args, CancellationToken ct)
    {
        var info = new ProcessStartInfo(program) { UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited with {process.ExitCode}");
        }
    }

    private static void DeleteIfThere(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    private sealed record CliRun(string Stdout, string Stderr, long PeakRss, double CpuSeconds);
}

internal sealed record DownloadResult(double Seconds, long ServerPeakRss, long ServerBaselineRss);

/// <summary>Resident memory of a process from /proc: the peak (VmHWM, which writing 5 to clear_refs resets) and the current size.</summary>
internal static class ProcessMemory
{
    public static void ResetPeak(int pid) => File.WriteAllText($"/proc/{pid}/clear_refs", "5");

    public static long Peak(int pid) => Read(pid, "VmHWM:");

    public static long Current(int pid) => Read(pid, "VmRSS:");

    private static long Read(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}

/// <summary>
/// Samples a process's resident memory every 200 ms (and runs <c>onTick</c>, if given, as often): the size when
/// sampling started is the baseline.
/// </summary>
internal sealed class RssSampler : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task<List<long>> _sampling;

    public RssSampler(int pid, Action? onTick = null)
    {
        var baseline = ProcessMemory.Current(pid);
        var stop = _stop.Token;
        _sampling = Task.Run(async () =>
        {
            var samples = new List<long> { baseline };
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
            try
            {
                while (await timer.WaitForNextTickAsync(stop))
                {
                    samples.Add(ProcessMemory.Current(pid));
                    onTick?.Invoke();
                }
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }

            return samples;
        });
    }

    public (long Baseline, long Max) Stop()
    {
        _stop.Cancel();
        var samples = _sampling.GetAwaiter().GetResult();
        return (samples[0], samples.Max());
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }
}
