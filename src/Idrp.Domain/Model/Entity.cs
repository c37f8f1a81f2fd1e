namespace Idrp.Domain.Model;

/// <summary>
/// Base of every stored record: a time-ordered UUID (version 7) as id, creation and change
/// timestamps (UTC) and a version number that grows by one on every change. The version is
/// the optimistic-concurrency token and the HTTP ETag.
/// </summary>
public abstract class Entity : IHasId
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public long Version { get; set; }
}

/// <summary>Marks a record that belongs to one proposal; its access follows that proposal.</summary>
public interface IProposalScoped
{
    Guid ProposalId { get; }
}

/// <summary>A record with a time-ordered id (lists are ordered and paged by it).</summary>
public interface IHasId
{
    Guid Id { get; }
}
