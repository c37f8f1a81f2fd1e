using Idrp.Domain.Access;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Idrp.Server.Api;
using Idrp.Server.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Idrp.Server.Access;

/// <summary>
/// Every authorization decision of the API goes through here: reads filter queries with
/// <see cref="AccessRules"/>, writes ask for the actor's <see cref="ProposalAccess"/>.
/// </summary>
internal sealed class AccessService(IdrpDbContext db, CurrentActor current, TimeProvider clock)
{
    private readonly Dictionary<Guid, ProposalAccess> _proposalAccess = [];
    private AccessRules? _rules;

    public Actor Actor => current.Actor;

    public AccessRules Rules => _rules ??= new AccessRules(current.Actor, clock.GetUtcNow());

    public async Task<ProposalAccess> ForProposalAsync(Guid proposalId, CancellationToken cancellationToken)
    {
        if (Actor.IsAdmin)
        {
            return ProposalAccess.Manager;
        }

        if (Actor.PersonId is not { } pid)
        {
            return ProposalAccess.None;
        }

        if (_proposalAccess.TryGetValue(proposalId, out var cached))
        {
            return cached;
        }

        var row = await db.Proposals.AsNoTracking()
            .Where(p => p.Id == proposalId)
            .Select(p => new
            {
                Role = p.Members.Where(m => m.PersonId == pid).Select(m => (ProposalRole?)m.Role).FirstOrDefault(),
                Staff = p.Facilities.Any(f => f.Facility!.Staff.Any(s => s.PersonId == pid)),
            })
            .FirstOrDefaultAsync(cancellationToken);
        var access = row is null ? ProposalAccess.None : Rules.AccessFrom(row.Role, row.Staff);
        _proposalAccess[proposalId] = access;
        return access;
    }

    /// <summary>
    /// Null when the actor may change the proposal's records at the <paramref name="needed"/> level;
    /// otherwise the 403 to answer. Callers have already shown that the record is readable (else 404).
    /// </summary>
    public async Task<ProblemHttpResult?> DenyUnlessAsync(Guid proposalId, ProposalAccess needed, string action, CancellationToken cancellationToken)
    {
        if (DenyReadOnlyToken() is { } readOnly)
        {
            return readOnly;
        }

        var access = await ForProposalAsync(proposalId, cancellationToken);
        if (access >= needed)
        {
            return null;
        }

        var who = needed == ProposalAccess.Manager
            ? "the proposal's principal investigator, staff of its facility or an admin"
            : "a member of the proposal";
        return Problems.Forbidden($"Only {who} may {action}.");
    }

    /// <summary>Null when the actor is an admin with write access.</summary>
    public ProblemHttpResult? DenyUnlessAdmin(string action) =>
        DenyReadOnlyToken() ?? (Actor.IsAdmin ? null : Problems.Forbidden($"Only an admin may {action}."));

    public ProblemHttpResult? DenyReadOnlyToken() =>
        Actor.IsSignedIn && !Actor.MayWrite ? Problems.Forbidden("This API token is read-only.") : null;

    /// <summary>Staff of the facility (or admin) with write access.</summary>
    public async Task<ProblemHttpResult?> DenyUnlessFacilityStaffAsync(Guid facilityId, string action, CancellationToken cancellationToken)
    {
        if (DenyReadOnlyToken() is { } readOnly)
        {
            return readOnly;
        }

        if (Actor.IsAdmin)
        {
            return null;
        }

        var pid = Actor.PersonId;
        var staff = pid is not null && await db.FacilityStaff.AnyAsync(s => s.FacilityId == facilityId && s.PersonId == pid, cancellationToken);
        return staff ? null : Problems.Forbidden($"Only staff of the facility or an admin may {action}.");
    }
}
