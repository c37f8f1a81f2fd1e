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

    /// <summary>
    /// Bytes an upload may have written but not yet made durable (local store; S3 puts are always durable). The
    /// offset in the database moves only when an append makes the staged bytes durable: at the end of the upload,
    /// when the client goes away, or when this many bytes are pending. Smaller means less to send again after a
    /// power cut, larger means fewer waits for the disk (one fsync of 16 MiB costs 70-100 ms on a VM disk).
    /// </summary>
    public long UploadSyncBytes { get; set; } = 256L << 20;

    /// <summary>Largest file a batch upload (<c>POST /measurements/{id}/files</c>) takes; larger ones go by tus (default 16 MiB).</summary>
    public long BatchMaxFileBytes { get; set; } = 16L << 20;

    /// <summary>Most files in one batch upload (default 10,000).</summary>
    public int BatchMaxFiles { get; set; } = 10_000;

    /// <summary>Largest batch upload request body, in bytes (default 1 GiB).</summary>
    public long BatchMaxBytes { get; set; } = 1L << 30;
}
