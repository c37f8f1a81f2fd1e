namespace Idrp.Domain.Model;

public enum StorageKind
{
    /// <summary>The bytes live in the platform's blob store.</summary>
    Stored,

    /// <summary>The bytes stay where they are (facility archive path or URL); the platform keeps a reference.</summary>
    Linked,
}

public enum AssetState
{
    /// <summary>Registered; the bytes are not (yet) all stored and verified.</summary>
    Pending,

    /// <summary>Every byte is stored (or linked) and its checksum verified.</summary>
    Complete,
}

/// <summary>
/// One file of a measurement (NFFA model names: dataAssetName, dataSize, dataChecksum,
/// dateOfCollection, intellectualPropertyRights).
/// </summary>
public sealed class DataAsset : Entity, IProposalScoped
{
    public Guid MeasurementId { get; set; }

    public Measurement? Measurement { get; set; }

    /// <summary>Copied from the measurement so that access checks need no join.</summary>
    public Guid ProposalId { get; set; }

    public required string DataAssetName { get; set; }

    /// <summary>Folder path inside the measurement, '/'-separated, never absolute, never containing "..".</summary>
    public string RelativePath { get; set; } = "";

    /// <summary>Size in bytes, when known.</summary>
    public long? DataSize { get; set; }

    /// <summary>"algorithm:hex", e.g. "sha256:9f86d0...". Once the bytes are stored, always the SHA-256 the server computed.</summary>
    public string? DataChecksum { get; set; }

    /// <summary>Hex MD5 of the bytes, computed by the server on upload (what many archives and Materials Cloud use).</summary>
    public string? Md5 { get; set; }

    public DateTimeOffset? DateOfCollection { get; set; }

    public string? IntellectualPropertyRights { get; set; }

    public string? MediaType { get; set; }

    public StorageKind Storage { get; set; }

    public AssetState State { get; set; }

    /// <summary>Key in the blob store, for stored assets.</summary>
    public string? BlobKey { get; set; }

    /// <summary>Archive location (file path under an archive root, or http(s) URL), for linked assets.</summary>
    public string? LinkUri { get; set; }

    /// <summary>When a fixity check last re-read the bytes.</summary>
    public DateTimeOffset? FixityCheckedAt { get; set; }

    /// <summary>How the last fixity check went: ok, mismatch, missing or unverifiable.</summary>
    public string? FixityStatus { get; set; }

    /// <summary>Technical metadata extracted from the file, as a JSON object.</summary>
    public string? ExtractedMetadata { get; set; }
}
