namespace Idrp.Domain.Model;

/// <summary>
/// A person known to the repository: a local account holder, an OIDC or portal identity, or a
/// proposal member imported from the portal who has not signed in yet.
/// </summary>
public sealed class Person : Entity
{
    public required string DisplayName { get; set; }

    public string? Email { get; set; }

    /// <summary>ORCID iD in its short form, e.g. 0000-0002-1825-0097.</summary>
    public string? Orcid { get; set; }

    public string? Affiliation { get; set; }

    /// <summary>Subject of the external identity (portal user id or OIDC "sub"), if any.</summary>
    public string? ExternalSubject { get; set; }

    /// <summary>Global administrator: may read and change everything.</summary>
    public bool IsAdmin { get; set; }
}
