namespace Idrp.Domain.Model;

/// <summary>A session of work under a proposal, usually at one facility on one instrument.</summary>
public sealed class Experiment : Entity, IProposalScoped
{
    public Guid ProposalId { get; set; }

    public Proposal? Proposal { get; set; }

    public required string Name { get; set; }

    public string? Description { get; set; }

    public Guid? FacilityId { get; set; }

    public Guid? InstrumentId { get; set; }

    public DateOnly? StartDate { get; set; }

    public DateOnly? EndDate { get; set; }

    public List<Measurement> Measurements { get; set; } = [];
}

/// <summary>A physical sample studied under a proposal.</summary>
public sealed class Sample : Entity, IProposalScoped
{
    public Guid ProposalId { get; set; }

    public Proposal? Proposal { get; set; }

    public required string Name { get; set; }

    public string? Description { get; set; }

    /// <summary>Composition or chemical formula, e.g. "Au(111)" or "SiGe/Si".</summary>
    public string? Composition { get; set; }

    /// <summary>Preparation history as text (for STM samples, parsed from the lab logbook).</summary>
    public string? Preparation { get; set; }

    public List<Measurement> Measurements { get; set; } = [];
}
