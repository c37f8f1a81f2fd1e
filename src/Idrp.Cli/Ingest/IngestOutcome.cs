namespace Idrp.Cli.Ingest;

internal enum IngestStatus
{
    Uploaded,
    Resumed,
    Skipped,
    Linked,
    Failed,
}

/// <summary>What happened to one file; <see cref="ExitCode"/> is set for failures.</summary>
internal sealed record IngestOutcome(string Path, IngestStatus Status, Guid? AssetId, string? Error = null, int ExitCode = ExitCodes.Ok);
