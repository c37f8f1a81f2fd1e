using Idrp.Domain.Model;

namespace Idrp.Domain.Jobs;

public enum JobState
{
    /// <summary>Submitted; waiting for a worker.</summary>
    Queued,

    /// <summary>A worker runs it (or ran it and died; the engine recovers it).</summary>
    Running,

    /// <summary>Finished; its outputs are registered.</summary>
    Succeeded,

    /// <summary>Ended with an error, or ran out of attempts; no outputs are registered.</summary>
    Failed,

    /// <summary>Stopped at someone's request; no outputs are registered.</summary>
    Cancelled,
}

/// <summary>
/// One run of an analysis (a job type at a version, with parameters) over input data assets, writing its outputs into a
/// target measurement. The record is the job's whole story: state, progress, attempts and, on success, its outputs
/// (data assets with a <see cref="Derivation"/> each) and result. The job engine (Quartz.NET) only dispatches.
/// </summary>
public sealed class Job : Entity, IProposalScoped
{
    /// <summary>The job type's name, e.g. "fixity" or "kmap.convert".</summary>
    public required string Type { get; set; }

    /// <summary>The job type's version when submitted (recorded again in each output's derivation).</summary>
    public required string TypeVersion { get; set; }

    /// <summary>Parameters as a JSON object, validated against the type's schema at submission.</summary>
    public string Parameters { get; set; } = "{}";

    /// <summary>Who submitted it; the job reads and writes with this person's rights, checked again when it runs.</summary>
    public Guid OwnerId { get; set; }

    /// <summary>The proposal of the target measurement.</summary>
    public Guid ProposalId { get; set; }

    /// <summary>The measurement the outputs are written into.</summary>
    public Guid TargetMeasurementId { get; set; }

    public JobState State { get; set; }

    /// <summary>Fraction done, 0 to 1, as the job type last reported it.</summary>
    public double Progress { get; set; }

    public string? ProgressMessage { get; set; }

    /// <summary>Attempts started so far (a worker that dies mid-job costs one).</summary>
    public int Attempts { get; set; }

    /// <summary>Attempts allowed before the job fails for good.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Someone asked to cancel; the running attempt stops at its next heartbeat.</summary>
    public bool CancelRequested { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>Last sign of life of the running attempt.</summary>
    public DateTimeOffset? HeartbeatAt { get; set; }

    /// <summary>The worker (scheduler instance) that runs or ran the current attempt.</summary>
    public string? Worker { get; set; }

    /// <summary>Why the job failed, in a sentence for the user.</summary>
    public string? Error { get; set; }

    /// <summary>A JSON summary the job type returned (e.g. a fixity report), when it has one.</summary>
    public string? Result { get; set; }

    public List<JobInput> Inputs { get; set; } = [];
}

/// <summary>A data asset a job reads.</summary>
public sealed class JobInput
{
    public Guid JobId { get; set; }

    public Guid AssetId { get; set; }
}

public enum JobLogLevel
{
    Info,
    Warning,
    Error,
}

/// <summary>One line of a job's log, kept with the attempt that wrote it.</summary>
public sealed class JobLogEntry : IHasId
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid JobId { get; set; }

    public int Attempt { get; set; }

    public DateTimeOffset At { get; set; }

    public JobLogLevel Level { get; set; }

    public required string Message { get; set; }
}

/// <summary>
/// An output an attempt has written to the blob store but not yet registered. When the attempt succeeds, each becomes
/// a data asset with the same id; when it fails or its worker dies, the next attempt deletes the bytes. So the outputs
/// of a failed attempt never appear as results, and none of them leak storage.
/// </summary>
public sealed class JobOutput
{
    /// <summary>The id the data asset will have.</summary>
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid JobId { get; set; }

    public int Attempt { get; set; }

    public required string Name { get; set; }

    public string RelativePath { get; set; } = "";

    public string? MediaType { get; set; }

    /// <summary>Where the bytes are staged in the blob store.</summary>
    public required string StagingKey { get; set; }

    public long Size { get; set; }

    /// <summary>"sha256:…" of the bytes, computed while they were written.</summary>
    public required string Sha256 { get; set; }

    public required string Md5 { get; set; }

    /// <summary>The inputs this output was made from (a subset of the job's inputs), as a JSON array of ids.</summary>
    public string DerivedFrom { get; set; } = "[]";
}
