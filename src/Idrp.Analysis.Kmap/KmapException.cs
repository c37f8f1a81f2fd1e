namespace Idrp.Analysis.Kmap;

/// <summary>
/// A KMAP input or output file could not be read or written. <see cref="FilePath"/> and
/// <see cref="DatasetPath"/> name the object at fault so that callers (CLI, job engine) can report it
/// without parsing the message.
/// </summary>
public sealed class KmapException : Exception
{
    public KmapException(string message, string? filePath = null, string? datasetPath = null, Exception? innerException = null)
        : base(Compose(message, filePath, datasetPath), innerException)
    {
        FilePath = filePath;
        DatasetPath = datasetPath;
    }

    /// <summary>The HDF5 file involved, when known.</summary>
    public string? FilePath { get; }

    /// <summary>The HDF5 object path inside <see cref="FilePath"/>, when known.</summary>
    public string? DatasetPath { get; }

    private static string Compose(string message, string? filePath, string? datasetPath) =>
        (filePath, datasetPath) switch
        {
            (null, null) => message,
            (null, _) => $"{message} (dataset '{datasetPath}')",
            (_, null) => $"{message} (file '{filePath}')",
            _ => $"{message} (dataset '{datasetPath}' in file '{filePath}')",
        };
}
