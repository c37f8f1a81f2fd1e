using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Idrp.Testing;

namespace Idrp.Cli.Tests;

/// <summary><c>idrp jobs</c> as a real process against a real server whose worker runs the built-in fixity job.</summary>
public sealed class JobsCliTests(IdrpServer server) : IClassFixture<IdrpServer>
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    /// <summary>Only a bound on a hang, never an assertion: a job or watch that does not end fails the test here.</summary>
    private static readonly TimeSpan HangBound = TimeSpan.FromSeconds(90);

    private static async Task<Guid> UploadAsync(ApiClient user, Guid measurement, string name, byte[] data)
    {
        var asset = (await (await user.PostAsync("/api/v1/data-assets", new { measurementId = measurement, dataAssetName = name, relativePath = "raw", dataSize = data.Length, dataChecksum = Tus.Sha256(data) }))
            .ReadJsonAsync(HttpStatusCode.Created)).Id();
        var location = await user.CreateForAssetAsync(asset, data.Length);
        Assert.Equal(HttpStatusCode.NoContent, (await user.PatchAsync(location, 0, data)).StatusCode);
        return asset;
    }

    private static async Task<Guid> MeasurementAsync(ApiClient user, JsonNode proposal) =>
        (await user.CreateMeasurementAsync((await user.CreateExperimentAsync(proposal.Id())).Id())).Id();

    /// <summary>The id in "submitted job ID: …", the first line <c>jobs submit</c> prints.</summary>
    private static Guid SubmittedId(string stdout)
    {
        var first = stdout.Split('\n')[0];
        Assert.StartsWith("submitted job ", first);
        return Guid.Parse(first["submitted job ".Length..first.IndexOf(':', StringComparison.Ordinal)]);
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public async Task A_fixity_job_submitted_with_watch_succeeds_and_shows_its_report_in_show_ls_and_log()
    {
        using var cli = new Cli();
        var (user, proposal) = await Setup.SignedInAsync(server, cli, "Jonas");
        var measurement = await MeasurementAsync(user, proposal);
        await UploadAsync(user, measurement, "frames.h5", Tus.RandomBytes(300_000, seed: 60));
        await UploadAsync(user, measurement, "notes.txt", Tus.RandomBytes(100, seed: 61));

        var submit = await cli.RunAsync("jobs", "submit", "fixity", "--measurement", measurement.ToString(), "--watch");
        Assert.True(submit.ExitCode == 0, submit.ToString());
        var id = SubmittedId(submit.Stdout);
        var lines = Lines(submit.Stdout);
        Assert.EndsWith($"on measurement {measurement}, 2 input(s), queued", lines[0]);
        Assert.Contains(lines, l => l.Contains(" attempt 1 info: Started on ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.EndsWith(" succeeded 100%: Done", StringComparison.Ordinal));
        Assert.Equal($"job {id} succeeded after 1 attempt(s) with 0 output(s); 'idrp jobs show {id}' for its result", lines[^1]);
        Assert.Empty(submit.Stderr);

        var show = await cli.RunAsync("jobs", "show", id.ToString(), "--json");
        Assert.True(show.ExitCode == 0, show.ToString());
        var job = JsonNode.Parse(show.Stdout)!;
        Assert.Equal("succeeded", job["state"]!.GetValue<string>());
        Assert.Equal(2, job["inputs"]!.AsArray().Count);
        var counts = job["result"]!["counts"]!;
        Assert.Equal(2, counts["checked"]!.GetValue<int>());
        Assert.Equal(2, counts["ok"]!.GetValue<int>());
        Assert.Equal(["frames.h5", "notes.txt"], job["result"]!["assets"]!.AsArray().Select(a => a!["name"]!.GetValue<string>()).Order());

        var text = await cli.RunAsync("jobs", "show", id.ToString());
        Assert.Contains("state\tsucceeded\n", text.Stdout);
        Assert.Contains("attempts\t1 of ", text.Stdout);
        Assert.Contains("result\t{\"measurementId\":", text.Stdout);

        var ls = await cli.RunAsync("jobs", "ls", "--measurement", measurement.ToString());
        Assert.True(ls.ExitCode == 0, ls.ToString());
        var listed = Lines(ls.Stdout);
        Assert.Equal(2, listed.Length);
        Assert.Equal("id\ttype\tstate\tprogress\tmeasurementId\tcreatedAt", listed[0]);
        Assert.StartsWith($"{id}\tfixity\tsucceeded\t100%\t{measurement}\t", listed[1]);

        var succeeded = await cli.RunAsync("jobs", "ls", "--measurement", measurement.ToString(), "--state", "succeeded", "--mine", "--json");
        Assert.True(succeeded.ExitCode == 0, succeeded.ToString());
        Assert.Equal([id.ToString()], JsonNode.Parse(succeeded.Stdout)!.AsArray().Select(j => j!["id"]!.GetValue<string>()));
        var failed = await cli.RunAsync("jobs", "ls", "--measurement", measurement.ToString(), "--state", "failed");
        Assert.True(failed.ExitCode == 0, failed.ToString());
        Assert.Single(Lines(failed.Stdout));

        var log = await cli.RunAsync("jobs", "log", id.ToString());
        Assert.True(log.ExitCode == 0, log.ToString());
        Assert.Contains(" attempt 1 info: Started on ", Lines(log.Stdout)[0]);

        var cancel = await cli.RunAsync("jobs", "cancel", id.ToString());
        Assert.True(cancel.ExitCode == 5, cancel.ToString());
        Assert.Equal("idrp: Conflict: The job has already ended (succeeded). (409)\n", cancel.Stderr);
        Assert.Empty(cancel.Stdout);

        var retry = await cli.RunAsync("jobs", "retry", id.ToString());
        Assert.True(retry.ExitCode == 5, retry.ToString());
        Assert.Equal("idrp: Conflict: Only failed or cancelled jobs can be retried; this one is succeeded. (409)\n", retry.Stderr);
    }

    [Fact]
    public async Task Refused_submissions_give_one_line_errors_with_exit_codes_and_create_no_job()
    {
        using var cli = new Cli();
        var (user, proposal) = await Setup.SignedInAsync(server, cli, "Karla");
        var measurement = await MeasurementAsync(user, proposal);
        var asset = await UploadAsync(user, measurement, "frames.h5", Tus.RandomBytes(1000, seed: 62));
        string[] submit = ["jobs", "submit", "fixity", "--measurement", measurement.ToString()];

        var unknownParameter = await cli.RunAsync([.. submit, "--param", "depth=3"]);
        Assert.True(unknownParameter.ExitCode == 1, unknownParameter.ToString());
        Assert.StartsWith("idrp: The request is not valid: parameters.depth: ", unknownParameter.Stderr);
        Assert.EndsWith(" (422)\n", unknownParameter.Stderr);
        Assert.Single(Lines(unknownParameter.Stderr));
        Assert.Empty(unknownParameter.Stdout);

        var namedInput = await cli.RunAsync([.. submit, "--input", asset.ToString()]);
        Assert.True(namedInput.ExitCode == 1, namedInput.ToString());
        Assert.Equal("idrp: The request is not valid: inputs: The job type 'fixity' works on the whole measurement and takes no named inputs. (422)\n", namedInput.Stderr);

        var unknownType = await cli.RunAsync("jobs", "submit", "no.such.type", "--measurement", measurement.ToString());
        Assert.True(unknownType.ExitCode == 1, unknownType.ToString());
        Assert.StartsWith("idrp: The request is not valid: type: There is no job type 'no.such.type'. Known types: ", unknownType.Stderr);

        var hiddenMeasurement = await cli.RunAsync("jobs", "submit", "fixity", "--measurement", Guid.CreateVersion7().ToString());
        Assert.True(hiddenMeasurement.ExitCode == 4, hiddenMeasurement.ToString());
        Assert.EndsWith(" that you may see. (404)\n", hiddenMeasurement.Stderr);

        var notKeyValue = await cli.RunAsync([.. submit, "--param", "depth"]);
        Assert.True(notKeyValue.ExitCode == 2, notKeyValue.ToString());
        Assert.Equal("idrp: --param 'depth' is not key=value.\n", notKeyValue.Stderr);

        var notAnObject = await cli.RunAsync([.. submit, "--params-json", "[1, 2]"]);
        Assert.True(notAnObject.ExitCode == 2, notAnObject.ToString());
        Assert.Equal("idrp: --params-json must be a JSON object, such as '{\"size\": 256}'.\n", notAnObject.Stderr);

        var jobs = await (await user.GetAsync($"/api/v1/jobs?measurementId={measurement}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Empty(jobs["items"]!.AsArray());
    }

    [Fact]
    public async Task Unknown_ids_and_other_peoples_jobs_exit_4_for_every_verb()
    {
        using var owner = new Cli();
        var (user, proposal) = await Setup.SignedInAsync(server, owner, "Lena");
        var measurement = await MeasurementAsync(user, proposal);
        await UploadAsync(user, measurement, "a.dat", Tus.RandomBytes(10, seed: 63));
        var submitted = await owner.RunAsync("jobs", "submit", "fixity", "--measurement", measurement.ToString());
        Assert.True(submitted.ExitCode == 0, submitted.ToString());
        var id = SubmittedId(submitted.Stdout);

        using var stranger = new Cli();
        await Setup.SignedInAsync(server, stranger, "Mats");
        var unknown = Guid.CreateVersion7();
        foreach (var verb in new[] { "show", "watch", "log", "cancel", "retry" })
        {
            foreach (var (jobId, kind) in new[] { (unknown, "unknown"), (id, "someone else's") })
            {
                var result = await stranger.RunAsync("jobs", verb, jobId.ToString());
                Assert.True(result.ExitCode == 4, $"jobs {verb} of {kind} job: {result}");
                Assert.Equal($"idrp: Not found: There is no job with id {jobId} that you may see. (404)\n", result.Stderr);
            }
        }

        var strangersList = await stranger.RunAsync("jobs", "ls", "--json");
        Assert.Equal("[]", strangersList.Stdout.Trim());
    }

    [Fact]
    public async Task Watch_follows_a_running_job_exits_8_when_it_is_cancelled_and_retry_runs_it_to_success()
    {
        using var cli = new Cli();
        var (user, proposal) = await Setup.SignedInAsync(server, cli, "Nora");
        var measurement = await MeasurementAsync(user, proposal);
        var content = Tus.RandomBytes(5000, seed: 64);
        await using var archive = new StallingArchive(content);
        Assert.Equal(HttpStatusCode.Created, (await user.PostAsync("/api/v1/data-assets", new
        {
            measurementId = measurement, dataAssetName = "far.dat", storage = "linked", linkUri = archive.Url("far.dat"), dataSize = content.Length, dataChecksum = Tus.Sha256(content),
        })).StatusCode);

        var submitted = await cli.RunAsync("jobs", "submit", "fixity", "--measurement", measurement.ToString());
        Assert.True(submitted.ExitCode == 0, submitted.ToString());
        var id = SubmittedId(submitted.Stdout);

        // The worker's fixity check now waits for the archive's answer: the job is running and stays so.
        _ = await archive.NextRequestAsync();
        using (var watch = new FollowedProcess(cli.Start("jobs", "watch", id.ToString())))
        {
            await watch.LineAsync(" running ");
            var cancel = await cli.RunAsync("jobs", "cancel", id.ToString());
            Assert.True(cancel.ExitCode == 0, cancel.ToString());
            // The worker may notice the request (at its next heartbeat) before the server has answered it.
            Assert.Contains(cancel.Stdout, new[] { $"cancel requested for job {id} (running); it stops within seconds\n", $"cancelled job {id}\n" });

            Assert.Equal(8, await watch.ExitAsync());
            Assert.Equal($"idrp: job {id} was cancelled\n", await watch.StderrAsync());
            Assert.Contains(watch.Lines, l => l.Contains(" info: Cancel requested by Nora.", StringComparison.Ordinal));
            Assert.Contains(watch.Lines, l => l.EndsWith(" info: Cancelled.", StringComparison.Ordinal));
        }

        using (var retry = new FollowedProcess(cli.Start("jobs", "retry", id.ToString(), "--watch")))
        {
            await retry.LineAsync($"job {id} is queued again");
            (await archive.NextRequestAsync()).Answer();
            Assert.Equal(0, await retry.ExitAsync());
            Assert.Contains(retry.Lines, l => l.Contains(" attempt 1 info: Retry requested by Nora.", StringComparison.Ordinal));
            Assert.Contains(retry.Lines, l => l.Contains(" attempt 2 info: Attempt 2 started on ", StringComparison.Ordinal));
            Assert.DoesNotContain(retry.Lines, l => l.Contains("Cancel", StringComparison.Ordinal));
            Assert.Equal($"job {id} succeeded after 2 attempt(s) with 0 output(s); 'idrp jobs show {id}' for its result", retry.Lines[^1]);
        }

        var job = JsonNode.Parse((await cli.RunAsync("jobs", "show", id.ToString(), "--json")).Stdout)!;
        Assert.Equal("succeeded", job["state"]!.GetValue<string>());
        Assert.Equal(1, job["result"]!["counts"]!["ok"]!.GetValue<int>());
    }

    /// <summary>Stdout lines of a running CLI process, waited for as they arrive.</summary>
    private sealed class FollowedProcess : IDisposable
    {
        private readonly List<string> _lines = [];
        private readonly List<(string Containing, TaskCompletionSource<string> Found)> _waiting = [];
        private readonly Task _stdout;
        private readonly Task<string> _stderr;
        private readonly Process _process;

        public FollowedProcess(Process process)
        {
            _process = process;
            _stderr = process.StandardError.ReadToEndAsync(Ct);
            _stdout = Task.Run(async () =>
            {
                while (await process.StandardOutput.ReadLineAsync(Ct) is { } line)
                {
                    lock (_lines)
                    {
                        _lines.Add(line);
                        foreach (var waiter in _waiting.Where(w => line.Contains(w.Containing, StringComparison.Ordinal)).ToList())
                        {
                            waiter.Found.TrySetResult(line);
                            _waiting.Remove(waiter);
                        }
                    }
                }

                lock (_lines)
                {
                    foreach (var waiter in _waiting)
                    {
                        waiter.Found.TrySetException(new InvalidOperationException($"The process ended without a line containing '{waiter.Containing}':\n{string.Join('\n', _lines)}"));
                    }
                }
            });
        }

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

        public Task<string> LineAsync(string containing)
        {
            lock (_lines)
            {
                if (_lines.FirstOrDefault(l => l.Contains(containing, StringComparison.Ordinal)) is { } line)
                {
                    return Task.FromResult(line);
                }

                if (_stdout.IsCompleted)
                {
                    throw new InvalidOperationException($"The process ended without a line containing '{containing}':\n{string.Join('\n', _lines)}");
                }

                var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiting.Add((containing, found));
                return found.Task.WaitAsync(HangBound, Ct);
            }
        }

        public async Task<int> ExitAsync()
        {
            await _process.WaitForExitAsync(Ct).WaitAsync(HangBound, Ct);
            await _stdout;
            return _process.ExitCode;
        }

        public Task<string> StderrAsync() => _stderr.WaitAsync(HangBound, Ct);

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.Dispose();
        }
    }

    /// <summary>
    /// A facility archive on loopback that holds every request until the test answers it, so that a job reading a
    /// linked file is running for as long as the test needs (no sleeps). Unanswered requests are dropped on dispose.
    /// </summary>
    private sealed class StallingArchive : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly Channel<HeldRequest> _requests = Channel.CreateUnbounded<HeldRequest>();
        private readonly CancellationTokenSource _stop = new();
        private readonly byte[] _content;
        private readonly Task _accepting;

        public StallingArchive(byte[] content)
        {
            _content = content;
            _listener.Start();
            _accepting = AcceptAsync();
        }

        public string Url(string name) => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/{name}";

        public async Task<HeldRequest> NextRequestAsync() => await _requests.Reader.ReadAsync(Ct).AsTask().WaitAsync(HangBound, Ct);

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    _ = ServeAsync(client);
                }
            }
            catch (OperationCanceledException)
            {
                // disposed
            }
        }

        private async Task ServeAsync(TcpClient client)
        {
            using (client)
            {
                try
                {
                    var stream = client.GetStream();
                    var head = new StringBuilder();
                    var buffer = new byte[4096];
                    while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                    {
                        var read = await stream.ReadAsync(buffer, _stop.Token);
                        if (read == 0)
                        {
                            return;
                        }

                        head.Append(Encoding.ASCII.GetString(buffer, 0, read));
                    }

                    var held = new HeldRequest();
                    await _requests.Writer.WriteAsync(held, _stop.Token);
                    await held.Answered.WaitAsync(_stop.Token);
                    await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {_content.Length}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n"), _stop.Token);
                    await stream.WriteAsync(_content, _stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
                {
                    // The server gave up on the request (a cancelled job), or the test is over.
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _accepting;
            _stop.Dispose();
        }
    }

    private sealed class HeldRequest
    {
        private readonly TaskCompletionSource _answered = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Answered => _answered.Task;

        public void Answer() => _answered.TrySetResult();
    }
}
