using Idrp.Domain.Access;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Idrp.Server.Access;
using Idrp.Server.Api;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Idrp.Server.Features.Proposals;

/// <summary>Creating and editing proposals: the rules the API and the web UI share.</summary>
internal static class ProposalWrites
{
    public static async Task<Outcome<Proposal>> CreateAsync(CreateProposalRequest request, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        if (access.DenyReadOnlyToken() is { } denied)
        {
            return denied;
        }

        if (Edits.Validate(request) is { } invalid)
        {
            return invalid;
        }

        var pi = request.PrincipalInvestigatorId ?? access.Actor.PersonId!.Value;
        if (pi != access.Actor.PersonId && !access.Actor.IsAdmin)
        {
            return Problems.Forbidden("Only an admin may create a proposal for someone else.");
        }

        if (!await db.People.AnyAsync(p => p.Id == pi, ct))
        {
            return Problems.Invalid("principalInvestigatorId", $"There is no person with id {pi}.");
        }

        if (await MissingFacility(request.FacilityIds, db, ct) is { } missing)
        {
            return missing;
        }

        var proposal = new Proposal { ProposalNumber = request.ProposalNumber, Title = request.Title, Source = ProposalSource.Local };
        proposal.Apply(request);
        proposal.Members.Add(new ProposalMember { ProposalId = proposal.Id, PersonId = pi, Role = ProposalRole.PrincipalInvestigator });
        db.Proposals.Add(proposal);
        await db.SaveChangesAsync(ct);
        return proposal;
    }

    public static Task<Outcome<Proposal>> EditAsync(
        Guid id, Func<long, bool> versionMatches, Func<Proposal, ProposalUpdate> makeUpdate, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        RecordFlows.EditAsync(
            ProposalsApi.Readable(db, access), id, "proposal",
            p => access.DenyUnlessAsync(p.Id, ProposalAccess.Manager, "edit a proposal", ct),
            versionMatches,
            makeUpdate,
            async (p, u) =>
            {
                if (await MissingFacility(u.FacilityIds, db, ct) is { } missing)
                {
                    return missing;
                }

                p.Apply(u);
                return null;
            },
            db, ct);

    private static async Task<ProblemHttpResult?> MissingFacility(IReadOnlyList<Guid>? ids, IdrpDbContext db, CancellationToken ct)
    {
        if (ids is null || ids.Count == 0)
        {
            return null;
        }

        var distinct = ids.Distinct().ToList();
        var found = await db.Facilities.CountAsync(f => distinct.Contains(f.Id), ct);
        return found == distinct.Count ? null : Problems.Invalid("facilityIds", "One or more facilities do not exist.");
    }
}
