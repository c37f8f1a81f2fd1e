namespace Idrp.Infrastructure.Persistence;

/// <summary>
/// Who is making the changes saved in this scope, and the clock they are stamped with. Set once per
/// request (or job) after authentication; read by <see cref="IdrpDbContext"/> when it writes audit events.
/// </summary>
public sealed class ChangeContext(TimeProvider clock)
{
    public TimeProvider Clock { get; } = clock;

    public Guid? ActorId { get; set; }
}
