namespace Idrp.Domain.Model;

public enum AuditAction
{
    Created,
    Updated,
    Deleted,
}

/// <summary>An append-only record of one change: who changed which record, when, and its state before and after.</summary>
public sealed class AuditEvent : IHasId
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public DateTimeOffset At { get; set; }

    public Guid? ActorId { get; set; }

    public AuditAction Action { get; set; }

    public required string EntityType { get; set; }

    public Guid EntityId { get; set; }

    /// <summary>The proposal the record belongs to, when it belongs to one.</summary>
    public Guid? ProposalId { get; set; }

    /// <summary>The record's stored properties before the change, as JSON (null when created).</summary>
    public string? Before { get; set; }

    /// <summary>The record's stored properties after the change, as JSON (null when deleted).</summary>
    public string? After { get; set; }
}
