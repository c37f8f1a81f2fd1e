namespace Idrp.Domain.Model;

public enum UploadState
{
    /// <summary>Bytes are arriving; the upload can be resumed from <see cref="Upload.Offset"/>.</summary>
    Active,

    /// <summary>Every byte arrived, matched the declared checksums and became the asset's data.</summary>
    Completed,

    /// <summary>The bytes did not match what the client declared; nothing was kept.</summary>
    Failed,

    /// <summary>The client terminated the upload.</summary>
    Terminated,
}

/// <summary>
/// A resumable upload of one stored data asset's bytes (tus 1.0). Its state lives here and in the blob
/// store's staging area, never only in a server's memory, so an upload resumes after a restart or on
/// another server.
/// </summary>
public sealed class Upload : Entity, IProposalScoped
{
    public Guid AssetId { get; set; }

    public Guid ProposalId { get; set; }

    public Guid OwnerId { get; set; }

    /// <summary>Total size in bytes (tus Upload-Length).</summary>
    public long Length { get; set; }

    /// <summary>Bytes durably stored so far (tus Upload-Offset).</summary>
    public long Offset { get; set; }

    public UploadState State { get; set; }

    /// <summary>Key of the staging area in the blob store.</summary>
    public required string StagingKey { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>Until when one request holds the right to append; a crashed server's lease simply runs out.</summary>
    public DateTimeOffset? LeaseUntil { get; set; }

    public Guid? LeaseHolder { get; set; }

    /// <summary>Why the upload failed, when it did.</summary>
    public string? Failure { get; set; }
}
