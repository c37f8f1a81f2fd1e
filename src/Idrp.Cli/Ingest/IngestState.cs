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
/// Thread-safe: parallel uploads record their progress through it.
/// </summary>
internal sealed class IngestState
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Lock _lock = new();
    private readonly string _path;
    private readonly Dictionary<string, IngestFileState> _files;

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
        var path = Path.Combine(directory, key + ".json");
        Dictionary<string, IngestFileState>? files = null;
        if (File.Exists(path))
        {
            try
            {
                files = JsonSerializer.Deserialize<Document>(File.ReadAllText(path), Json)?.Files;
            }
            catch (JsonException)
            {
                // A damaged state only costs re-hashing and fresh uploads; the server still skips complete files.
            }
        }

        return new IngestState(path, files ?? new(StringComparer.Ordinal)) { Folder = Path.GetFullPath(folder), MeasurementId = measurementId };
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

    /// <summary>Records a file's state; <paramref name="persist"/> writes it to disk now (needed before an upload's first byte).</summary>
    public void Set(string relativePath, IngestFileState state, bool persist)
    {
        lock (_lock)
        {
            _files[relativePath] = state;
            if (persist)
            {
                SaveLocked();
            }
        }
    }

    public void Save()
    {
        lock (_lock)
        {
            SaveLocked();
        }
    }

    private void SaveLocked() =>
        CliPaths.WritePrivateFile(_path, JsonSerializer.Serialize(new Document(Folder, MeasurementId, _files), Json));

    private sealed record Document(string Folder, Guid MeasurementId, Dictionary<string, IngestFileState> Files);
}
