namespace Idrp.Cli.Ingest;

/// <summary>
/// Polls a folder and ingests each file once it has settled, through the same <see cref="Ingester"/> as
/// <c>idrp ingest</c>: restarts skip what the server has complete and resume uploads from the ingest state.
/// Polling, not FileSystemWatcher: change notifications are lost or never sent on the network shares
/// instrument PCs write to, and a settle check needs the file's size and time anyway.
/// </summary>
internal sealed class FolderWatcher(string folder, Ingester ingester, IngestState state, TimeSpan settle, TimeSpan poll, int parallel, TimeProvider time)
{
    /// <summary>How long a file whose upload failed for lack of a network waits before it is tried again.</summary>
    private static readonly TimeSpan NetworkRetry = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Watches until <paramref name="ct"/> is cancelled (then throws <see cref="OperationCanceledException"/>), or
    /// with <paramref name="once"/> until every file of the first scan has settled and been ingested; returns the
    /// exit code of the first failed file, or 0.
    /// </summary>
    public async Task<int> RunAsync(bool once, CancellationToken ct)
    {
        var tracker = new SettleTracker(settle);
        HashSet<string>? firstScan = null;
        var exitCode = ExitCodes.Ok;
        string? lastProblem = null;
        while (true)
        {
            try
            {
                var scan = Scan();
                if (once)
                {
                    firstScan ??= scan.Select(f => f.File.Key).ToHashSet(StringComparer.Ordinal);
                    scan.RemoveAll(f => !firstScan.Contains(f.File.Key));
                }

                var ready = tracker.Observe(scan, time.GetUtcNow());
                if (ready.Count > 0)
                {
                    // The measurement may have changed since the last batch (files deleted, added by others).
                    await ingester.LoadExistingAsync(ct);
                    try
                    {
                        await Parallel.ForEachAsync(ready, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = ct }, async (file, token) =>
                        {
                            var outcome = await ingester.IngestAsync(file.File, token);
                            if (outcome.ExitCode == ExitCodes.NotSignedIn)
                            {
                                throw new CliException(ExitCodes.NotSignedIn, "The server no longer accepts the token (401); sign in again with 'idrp login'.");
                            }

                            lock (tracker)
                            {
                                var retry = !once && outcome.Status == IngestStatus.Failed && outcome.ExitCode == ExitCodes.Network;
                                tracker.Handled(file, retry ? time.GetUtcNow() + NetworkRetry : null);
                                if (outcome.Status == IngestStatus.Failed && exitCode == ExitCodes.Ok)
                                {
                                    exitCode = outcome.ExitCode;
                                }
                            }
                        });
                    }
                    finally
                    {
                        state.Save();
                    }
                }

                lastProblem = null;
                if (once && scan.All(tracker.IsDone))
                {
                    return exitCode;
                }
            }
            catch (Exception e) when (!once && (e is IOException or UnauthorizedAccessException or CliException { ExitCode: ExitCodes.Network }))
            {
                // An unreachable share or server is normal on an instrument PC: say so once, and keep polling.
                var problem = e.Message.ReplaceLineEndings(" ");
                if (problem != lastProblem)
                {
                    Console.Error.WriteLine($"idrp: {WatchReporter.Now(time)} {problem}; still watching");
                    lastProblem = problem;
                }
            }

            await Task.Delay(poll, time, ct);
        }
    }

    private List<ObservedFile> Scan()
    {
        var scan = new List<ObservedFile>();
        foreach (var file in Ingester.Walk(folder))
        {
            if (SettleTracker.IsTemporary(file))
            {
                continue;
            }

            var info = new FileInfo(file.FullPath);
            if (info.Exists)
            {
                scan.Add(new ObservedFile(file, info.Length, info.LastWriteTimeUtc.Ticks));
            }
        }

        return scan;
    }
}
