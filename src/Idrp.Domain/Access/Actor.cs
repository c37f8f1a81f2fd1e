using Idrp.Domain.Model;

namespace Idrp.Domain.Access;

/// <summary>Who is asking: an anonymous caller, or a person (possibly an admin) signed in by cookie or token.</summary>
public sealed record Actor(Guid? PersonId, bool IsAdmin, TokenScope Scope)
{
    public static readonly Actor Anonymous = new(null, false, TokenScope.Read);

    public bool IsSignedIn => PersonId is not null;

    /// <summary>A read-only token may not change anything, whatever its owner may do.</summary>
    public bool MayWrite => IsSignedIn && Scope == TokenScope.ReadWrite;
}

/// <summary>What an actor may do with the records of one proposal.</summary>
public enum ProposalAccess
{
    /// <summary>Nothing beyond what is visible to them through sharing or publication.</summary>
    None = 0,

    /// <summary>Proposal member: read everything, register and edit records.</summary>
    Member = 1,

    /// <summary>Principal investigator, staff of one of the proposal's facilities, or admin: also delete, share, publish, manage members.</summary>
    Manager = 2,
}
