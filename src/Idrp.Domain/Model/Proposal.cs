namespace Idrp.Domain.Model;

public enum ProposalSource
{
    Local,
    Portal,
}

public enum ProposalRole
{
    /// <summary>Principal investigator: owns the proposal, manages members, decides what is shared and published.</summary>
    PrincipalInvestigator,

    /// <summary>Member: registers and edits the proposal's records.</summary>
    Member,
}

/// <summary>An approved proposal (a user's project at one or more facilities); the root of the metadata hierarchy.</summary>
public sealed class Proposal : Entity
{
    /// <summary>The proposal's number in the facility portal, or a local one; unique.</summary>
    public required string ProposalNumber { get; set; }

    public required string Title { get; set; }

    public string? Abstract { get; set; }

    public DateOnly? StartDate { get; set; }

    public DateOnly? EndDate { get; set; }

    public ProposalSource Source { get; set; }

    public List<ProposalMember> Members { get; set; } = [];

    public List<ProposalFacility> Facilities { get; set; } = [];

    public List<Experiment> Experiments { get; set; } = [];

    public List<Measurement> Measurements { get; set; } = [];

    public List<Sample> Samples { get; set; } = [];
}

public sealed class ProposalMember
{
    public Guid ProposalId { get; set; }

    public Guid PersonId { get; set; }

    public ProposalRole Role { get; set; }

    public Proposal? Proposal { get; set; }

    public Person? Person { get; set; }
}

public sealed class ProposalFacility
{
    public Guid ProposalId { get; set; }

    public Guid FacilityId { get; set; }

    public Proposal? Proposal { get; set; }

    public Facility? Facility { get; set; }
}
