namespace Idrp.Infrastructure.Storage;

public enum StorageProvider
{
    /// <summary>Files under a folder (default: "blobs" in the data directory).</summary>
    Local,

    /// <summary>An S3-compatible object store (settings under Storage:S3).</summary>
    S3,
}

/// <summary>Where stored data assets keep their bytes, and upload limits.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    public StorageProvider Provider { get; set; } = StorageProvider.Local;

    /// <summary>Folder of the local store; empty means "blobs" in the data directory.</summary>
    public string? LocalRoot { get; set; }

    public S3Options S3 { get; set; } = new();

    /// <summary>Largest upload accepted, in bytes (default 1 TiB).</summary>
    public long MaxUploadBytes { get; set; } = 1L << 40;

    /// <summary>How long an unfinished upload can be resumed.</summary>
    public TimeSpan UploadLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long one request holds the right to append to an upload without renewing it. A server that
    /// dies mid-upload blocks its upload for at most this long.
    /// </summary>
    public TimeSpan UploadLease { get; set; } = TimeSpan.FromSeconds(30);
}
