namespace Idrp.Domain.Model;

public enum TokenScope
{
    /// <summary>Read-only: GET requests only.</summary>
    Read,

    /// <summary>Everything the owner may do.</summary>
    ReadWrite,
}

/// <summary>
/// A personal API token. Only a SHA-256 hash of the secret is stored; the secret is shown once
/// when the token is created.
/// </summary>
public sealed class ApiToken : IHasId
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid PersonId { get; set; }

    public required string Name { get; set; }

    /// <summary>The first characters of the secret, shown in lists so that a user can tell tokens apart.</summary>
    public required string Prefix { get; set; }

    /// <summary>Lower-case hex SHA-256 of the whole secret.</summary>
    public required string Hash { get; set; }

    public TokenScope Scope { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? ExpiresAt { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}
