namespace Idrp.Infrastructure.Storage;

/// <summary>
/// Sees every byte an append writes, in order (to hash it on the fly). The task completes when the observer is done
/// with <paramref name="data"/>: the store leaves that memory unchanged until then, but may hand on the next piece
/// before. The tasks complete in the order of their pieces.
/// </summary>
public delegate Task DataObserver(ReadOnlyMemory<byte> data);

/// <summary>How an append ended.</summary>
/// <param name="Appended">Bytes added to the staging area.</param>
/// <param name="Interrupted">The source ended early (client went away); the bytes counted in <paramref name="Appended"/> are kept.</param>
/// <param name="Durable">
/// Every staged byte up to the end of this append is on stable storage (fsync, or a completed PUT). When false the
/// bytes are written but may be lost by a power cut: a record must not claim them until a later durable append.
/// </param>
public readonly record struct AppendResult(long Appended, bool Interrupted, bool Durable = true);

/// <summary>
/// Where the platform keeps the bytes of stored data assets: a local folder (embedded default) or
/// S3-compatible object storage. Keys are made by the platform (never client file names) and are
/// '/'-separated lower-case letters and digits.
/// </summary>
/// <remarks>
/// Uploads arrive in a staging area by appends at a known offset, so that an interrupted upload resumes
/// where its last durable byte is; <see cref="CommitAsync"/> turns a complete staging area into a blob
/// without copying where the store allows. Implementations are thread-safe; appends to one staging key
/// are serialised by the caller (the upload's lease).
/// </remarks>
public interface IBlobStore
{
    /// <summary>
    /// Appends <paramref name="source"/> to the staging area at <paramref name="offset"/> (bytes past the
    /// offset, left by a crashed writer, are discarded first), at most <paramref name="maxBytes"/> bytes.
    /// With <paramref name="durable"/> (and always when the source is interrupted) the whole staging area is
    /// durable before returning; without it a store may only start writing the bytes back and say so in
    /// <see cref="AppendResult.Durable"/> (the local store: one fsync per upload instead of one per chunk).
    /// </summary>
    Task<AppendResult> AppendAsync(string stagingKey, long offset, Stream source, long maxBytes, DataObserver? observer, bool durable, CancellationToken cancellationToken);

    /// <summary>
    /// Makes staging areas written without <c>durable</c> durable, all at once: the local store syncs its file system
    /// once for many files (Linux <c>syncfs</c>), else the files concurrently (the file system commits them together,
    /// far cheaper than one sync after another); object stores, whose writes are durable when they return, do
    /// nothing. Used by batch uploads before their commit.
    /// </summary>
    Task FlushStagingAsync(IReadOnlyCollection<string> stagingKeys, CancellationToken cancellationToken);

    /// <summary>Reads the first <paramref name="length"/> staged bytes (to rebuild a checksum after a restart).</summary>
    Task<Stream> OpenStagingAsync(string stagingKey, long length, CancellationToken cancellationToken);

    /// <summary>Makes the staged bytes the blob <paramref name="blobKey"/> and removes the staging area.</summary>
    Task CommitAsync(string stagingKey, string blobKey, CancellationToken cancellationToken);

    Task DeleteStagingAsync(string stagingKey, CancellationToken cancellationToken);

    /// <summary>Opens a blob for reading; the stream is seekable where the store allows (local files), for HTTP range requests.</summary>
    /// <exception cref="BlobNotFoundException">There is no such blob.</exception>
    Task<Stream> OpenReadAsync(string blobKey, CancellationToken cancellationToken);

    /// <summary>The blob's length, or null when it does not exist.</summary>
    Task<long?> GetLengthAsync(string blobKey, CancellationToken cancellationToken);

    /// <summary>Removes a blob; a blob that does not exist is no error.</summary>
    Task DeleteAsync(string blobKey, CancellationToken cancellationToken);
}

/// <summary>A blob the metadata refers to is missing from the store.</summary>
public sealed class BlobNotFoundException(string key) : Exception($"The blob '{key}' is missing from the store.")
{
    public string Key { get; } = key;
}

/// <summary>Keys the platform makes for blobs and staging areas.</summary>
public static class BlobKeys
{
    /// <summary>"ab/cd/abcd…": two levels of fan-out keep folders small with millions of assets.</summary>
    public static string ForAsset(Guid assetId)
    {
        var hex = assetId.ToString("N");
        // v7 ids start with the time; fan out on the random tail so that folders fill evenly.
        return $"assets/{hex[^2..]}/{hex[^4..^2]}/{hex}";
    }

    public static string ForUpload(Guid uploadId) => $"uploads/{uploadId:N}";
}
