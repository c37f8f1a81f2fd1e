namespace Idrp.Domain.Model;

/// <summary>
/// Provenance: an output data asset (or a whole measurement) made by an activity (an analysis job
/// type and version, with parameters) from input data assets.
/// </summary>
public sealed class Derivation : Entity, IProposalScoped
{
    /// <summary>The proposal of the output; inputs may come from others the creator can read.</summary>
    public Guid ProposalId { get; set; }

    public Guid? OutputAssetId { get; set; }

    public Guid? OutputMeasurementId { get; set; }

    /// <summary>Name of the activity, e.g. "kmap.fit".</summary>
    public required string Activity { get; set; }

    public string? ActivityVersion { get; set; }

    /// <summary>Parameters of the activity as a JSON object.</summary>
    public string? Parameters { get; set; }

    public Guid? AgentId { get; set; }

    /// <summary>The job that made the output, when a job did.</summary>
    public Guid? JobId { get; set; }

    public Proposal? Proposal { get; set; }

    public DataAsset? OutputAsset { get; set; }

    public Measurement? OutputMeasurement { get; set; }

    public List<DerivationInput> Inputs { get; set; } = [];
}

public sealed class DerivationInput
{
    public Guid DerivationId { get; set; }

    public Guid AssetId { get; set; }
}
