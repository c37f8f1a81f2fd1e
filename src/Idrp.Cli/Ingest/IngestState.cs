using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Idrp.Cli.Ingest;

/// <summary>What the CLI remembers about one file of a folder between runs.</summary>
/// <param name="Size">Bytes when <paramref name="Sha256"/> was computed.</param>
/// <param name="ModifiedTicks">Last write time (UTC ticks) when <paramref name="Sha256"/> was computed.</param>
/// <param name="Sha256">Lower-case hex; valid while size and modification time are unchanged.</param>
/// <param name="AssetId">The data asset registered for the file, once there is one.</param>
/// <param name="UploadUrl">The tus upload still under way for it, if any.</param>
internal sealed record IngestFileState(long Size, long ModifiedTicks, string Sha256, Guid? AssetId, string? UploadUrl);

/// <summary>
/// The ingest state of one folder into one measurement on one server, kept in the user's cache directory
/// (not in the folder: instrument folders are often read-only or shared). It lets a killed
/// <c>idrp ingest</c> resume its uploads and skip re-hashing files that have not changed.
/// </summary>
/// <remarks>
/// A journal: every change is one JSON line appended to the file (and handed to the operating system at once, so a
/// killed process loses nothing), the last line of a path wins, and <see cref="Save"/> compacts it to one line per
/// path. Rewriting the whole state per upload cost O(files²) for a folder of 10,000 files. A torn last line (a
/// power cut mid-write) is ignored: a lost line only costs re-hashing a file or starting its upload afresh.
/// Thread-safe: parallel uploads record their progress through it.
/// </remarks>
internal sealed class IngestState : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Lock _lock = new();
    private readonly string _path;
    private readonly Dictionary<string, IngestFileState> _files;
    private FileStream? _journal;

    private IngestState(string path, Dictionary<string, IngestFileState> files)
    {
        _path = path;
        _files = files;
    }

    public string FilePath => _path;

    public static IngestState Open(Uri server, string folder, Guid measurementId)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{server}\n{Path.GetFullPath(folder)}\n{measurementId}")))[..32];
        var directory = Path.Combine(CliPaths.CacheDirectory, "ingest");
        CliPaths.CreatePrivateDirectory(directory);
        var path = Path.Combine(directory, key + ".jsonl");
        var files = new Dictionary<string, IngestFileState>(StringComparer.Ordinal);
        if (File.Exists(path))
        {
            foreach (var line in File.ReadLines(path))
            {
                try
                {
                    if (JsonSerializer.Deserialize<Entry>(line, Json) is { Path: { } relative, Sha256: { } } entry)
                    {
                        files[relative] = new IngestFileState(entry.Size, entry.ModifiedTicks, entry.Sha256, entry.AssetId, entry.UploadUrl);
                    }
                }
                catch (JsonException)
                {
                    // A torn or damaged line; see the remarks.
                }
            }
        }

        var state = new IngestState(path, files) { Folder = Path.GetFullPath(folder), MeasurementId = measurementId };
        if (File.Exists(path))
        {
            // Once per run: keeps the journal short and drops a torn last line before anything is appended to it.
            state.Save();
        }

        return state;
    }

    public string Folder { get; private init; } = "";

    public Guid MeasurementId { get; private init; }

    public IngestFileState? Get(string relativePath)
    {
        lock (_lock)
        {
            return _files.GetValueOrDefault(relativePath);
        }
    }

    /// <summary>Records a file's state in the journal; it is on disk (for a killed process) when this returns.</summary>
    public void Set(string relativePath, IngestFileState state)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(Entry.Of(relativePath, state), Json);
        // One write per line: the journal is unbuffered, and a separate newline would be a second system call.
        var line = new byte[json.Length + 1];
        json.CopyTo(line, 0);
        line[^1] = (byte)'\n';
        lock (_lock)
        {
            _files[relativePath] = state;
            _journal ??= OpenJournal();
            _journal.Write(line);
        }
    }

    /// <summary>Compacts the journal to one line per file (atomically: a killed process leaves the old or the new one).</summary>
    public void Save()
    {
        lock (_lock)
        {
            _journal?.Dispose();
            _journal = null;
            var text = new StringBuilder();
            foreach (var (relative, state) in _files)
            {
                text.Append(JsonSerializer.Serialize(Entry.Of(relative, state), Json)).Append('\n');
            }

            CliPaths.WritePrivateFile(_path, text.ToString());
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _journal?.Dispose();
            _journal = null;
        }
    }

    private FileStream OpenJournal()
    {
        var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read, BufferSize = 0 };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new FileStream(_path, options);
    }

    private sealed record Entry(string? Path, long Size, long ModifiedTicks, string? Sha256, Guid? AssetId, string? UploadUrl)
    {
        public static Entry Of(string path, IngestFileState state) => new(path, state.Size, state.ModifiedTicks, state.Sha256, state.AssetId, state.UploadUrl);
    }
}
