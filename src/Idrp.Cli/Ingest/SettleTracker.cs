namespace Idrp.Cli.Ingest;

/// <summary>A file seen in a scan of the watched folder, with the size and last write time (UTC ticks) it had then.</summary>
internal sealed record ObservedFile(LocalFile File, long Size, long ModifiedTicks);

/// <summary>
/// Decides when a file of a watched folder is ready to ingest: once its size and last write time have stayed the
/// same for the settle time, measured on our clock from the scan that first saw them. Instruments write files
/// slowly and often leave them open, so a file that is still changing is never handed out. A file is handed out
/// once per version (size and time); a changed file is a new version and settles again.
/// Not thread-safe: one watch loop owns it.
/// </summary>
internal sealed class SettleTracker(TimeSpan settle)
{
    private readonly Dictionary<string, Seen> _seen = new(StringComparer.Ordinal);

    /// <summary>
    /// Names that are never ingested: hidden files and folders ('.' first) and the usual names of files still
    /// being written (*.tmp, *.part, *~), which instruments and copy tools rename when they are done.
    /// </summary>
    public static bool IsTemporary(LocalFile file) =>
        file.Key.Split('/').Any(segment => segment.StartsWith('.'))
        || file.Name.EndsWith(".tmp", StringComparison.OrdinalIgnoreCase)
        || file.Name.EndsWith(".part", StringComparison.OrdinalIgnoreCase)
        || file.Name.EndsWith('~');

    /// <summary>
    /// Records one scan (every file now in the folder) and returns the files that have settled and are not yet
    /// handled, or whose retry time has come. Files missing from the scan are forgotten.
    /// </summary>
    public List<ObservedFile> Observe(IReadOnlyCollection<ObservedFile> scan, DateTimeOffset now)
    {
        var ready = new List<ObservedFile>();
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var observed in scan)
        {
            var key = observed.File.Key;
            present.Add(key);
            if (!_seen.TryGetValue(key, out var seen) || seen.Size != observed.Size || seen.ModifiedTicks != observed.ModifiedTicks)
            {
                _seen[key] = new Seen(observed.Size, observed.ModifiedTicks, now, Handled: false, RetryAt: null);
            }
            else if (seen.Handled ? seen.RetryAt <= now : now - seen.Since >= settle)
            {
                ready.Add(observed);
            }
        }

        foreach (var key in _seen.Keys.Where(k => !present.Contains(k)).ToList())
        {
            _seen.Remove(key);
        }

        return ready;
    }

    /// <summary>Marks the version handed out as done; with <paramref name="retryAt"/> it is handed out again then.</summary>
    public void Handled(ObservedFile file, DateTimeOffset? retryAt)
    {
        if (_seen.TryGetValue(file.File.Key, out var seen) && seen.Size == file.Size && seen.ModifiedTicks == file.ModifiedTicks)
        {
            _seen[file.File.Key] = seen with { Handled = true, RetryAt = retryAt };
        }
    }

    /// <summary>Whether this version of the file has been handled and will not be handed out again.</summary>
    public bool IsDone(ObservedFile file) =>
        _seen.TryGetValue(file.File.Key, out var seen) && seen.Handled && seen.RetryAt is null
        && seen.Size == file.Size && seen.ModifiedTicks == file.ModifiedTicks;

    private sealed record Seen(long Size, long ModifiedTicks, DateTimeOffset Since, bool Handled, DateTimeOffset? RetryAt);
}
