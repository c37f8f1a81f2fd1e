using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Idrp.Domain.Access;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Idrp.Infrastructure.Persistence.Configurations;
using Idrp.Server.Access;
using Idrp.Server.Api;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Idrp.Server.Features.Proposals;

public sealed record ProposalResponse(
    Guid Id, string ProposalNumber, string Title, string? Abstract, DateOnly? StartDate, DateOnly? EndDate,
    ProposalSource Source, IReadOnlyList<Guid> FacilityIds,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, long Version);

public record ProposalUpdate(
    [property: Required, StringLength(Limits.Code, MinimumLength = 1)] string ProposalNumber,
    [property: Required, StringLength(Limits.Name, MinimumLength = 1)] string Title,
    [property: StringLength(Limits.Text)] string? Abstract = null,
    DateOnly? StartDate = null,
    DateOnly? EndDate = null,
    IReadOnlyList<Guid>? FacilityIds = null) : IValidatableObject
{
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (StartDate > EndDate)
        {
            yield return new ValidationResult("The end date is before the start date.", [nameof(EndDate)]);
        }
    }
}

/// <summary>A new local proposal. The creator becomes its principal investigator unless an admin names another.</summary>
public sealed record CreateProposalRequest(
    string ProposalNumber, string Title, string? Abstract = null, DateOnly? StartDate = null, DateOnly? EndDate = null,
    IReadOnlyList<Guid>? FacilityIds = null, Guid? PrincipalInvestigatorId = null)
    : ProposalUpdate(ProposalNumber, Title, Abstract, StartDate, EndDate, FacilityIds);

public sealed record MemberResponse(Guid PersonId, string DisplayName, ProposalRole Role);

public sealed record MemberUpdate(ProposalRole Role);

internal static class ProposalMapping
{
    public static ProposalResponse ToResponse(this Proposal p) =>
        new(p.Id, p.ProposalNumber, p.Title, p.Abstract, p.StartDate, p.EndDate, p.Source,
            p.Facilities.Select(f => f.FacilityId).Order().ToList(), p.CreatedAt, p.UpdatedAt, p.Version);

    public static ProposalUpdate ToUpdate(this Proposal p) =>
        new(p.ProposalNumber, p.Title, p.Abstract, p.StartDate, p.EndDate, p.Facilities.Select(f => f.FacilityId).ToList());

    public static void Apply(this Proposal p, ProposalUpdate u)
    {
        p.ProposalNumber = u.ProposalNumber.Trim();
        p.Title = u.Title.Trim();
        p.Abstract = u.Abstract;
        p.StartDate = u.StartDate;
        p.EndDate = u.EndDate;
        var wanted = (u.FacilityIds ?? []).ToHashSet();
        p.Facilities.RemoveAll(f => !wanted.Contains(f.FacilityId));
        foreach (var id in wanted.Where(id => p.Facilities.All(f => f.FacilityId != id)))
        {
            p.Facilities.Add(new ProposalFacility { ProposalId = p.Id, FacilityId = id });
        }
    }
}

/// <summary>Proposals and their members.</summary>
internal static class ProposalsApi
{
    public static RouteGroupBuilder MapProposals(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/proposals").WithTags("Proposals");
        group.MapGet("/", ListProposals).AllowAnonymous().WithName("ListProposals")
            .WithSummary("Proposals you may see; mine=true lists only those you are a member of.");
        group.MapGet("/{id:guid}", GetProposal).AllowAnonymous().WithName("GetProposal").WithSummary("One proposal.");
        group.MapPost("/", CreateProposal).WithName("CreateProposal").WithSummary("Create a local proposal; you become its PI.");
        group.MapPut("/{id:guid}", ReplaceProposal).WithName("ReplaceProposal").WithSummary("Replace a proposal's fields (PI, facility staff or admin).");
        group.MapPatch("/{id:guid}", PatchProposal).WithName("PatchProposal").WithSummary("Change some fields of a proposal (JSON merge patch).")
            .Accepts<JsonElement>(MergePatch.MediaType);
        group.MapDelete("/{id:guid}", DeleteProposal).WithName("DeleteProposal").WithSummary("Delete an empty proposal (PI, facility staff or admin).");
        group.MapGet("/{id:guid}/members", ListMembers).WithName("ListProposalMembers").WithSummary("Members of a proposal and their roles.");
        group.MapPut("/{id:guid}/members/{personId:guid}", SetMember).WithName("SetProposalMember")
            .WithSummary("Add a member or change their role (PI, facility staff or admin).");
        group.MapDelete("/{id:guid}/members/{personId:guid}", RemoveMember).WithName("RemoveProposalMember")
            .WithSummary("Remove a member (PI, facility staff or admin); the last PI cannot be removed.");
        return group;
    }

    internal static IQueryable<Proposal> Readable(IdrpDbContext db, AccessService access) =>
        db.Proposals.Include(p => p.Facilities).Where(access.Rules.CanReadProposal());

    private static async Task<Ok<Page<ProposalResponse>>> ListProposals(
        [AsParameters] PageQuery page, bool? mine, Guid? facilityId, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        var query = Readable(db, access);
        if (mine == true)
        {
            var pid = access.Actor.PersonId;
            query = query.Where(p => p.Members.Any(m => m.PersonId == pid));
        }

        if (facilityId is { } fid)
        {
            query = query.Where(p => p.Facilities.Any(f => f.FacilityId == fid));
        }

        return TypedResults.Ok(await query.ToPageAsync(page, p => p.ToResponse(), ct));
    }

    private static Task<Results<Ok<ProposalResponse>, ProblemHttpResult, StatusCodeHttpResult>> GetProposal(
        Guid id, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        RecordFlows.GetAsync(Readable(db, access), id, "proposal", p => p.ToResponse(), http, ct);

    private static async Task<Results<Created<ProposalResponse>, ProblemHttpResult>> CreateProposal(
        CreateProposalRequest request, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        var outcome = await ProposalWrites.CreateAsync(request, access, db, ct);
        if (outcome.Problem is { } problem)
        {
            return problem;
        }

        var proposal = outcome.Value!;
        ETags.Set(http, proposal.Version);
        return TypedResults.Created($"/api/v1/proposals/{proposal.Id}", proposal.ToResponse());
    }

    private static Task<Results<Ok<ProposalResponse>, ProblemHttpResult>> ReplaceProposal(
        Guid id, ProposalUpdate update, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        Edit(id, _ => update, http, access, db, ct);

    private static Task<Results<Ok<ProposalResponse>, ProblemHttpResult>> PatchProposal(
        Guid id, JsonElement patch, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        Edit(id, p => Edits.Patch(p.ToUpdate(), patch, http), http, access, db, ct);

    private static async Task<Results<Ok<ProposalResponse>, ProblemHttpResult>> Edit(
        Guid id, Func<Proposal, ProposalUpdate> makeUpdate, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        var outcome = await ProposalWrites.EditAsync(id, version => ETags.IfMatchAllows(http, version), makeUpdate, access, db, ct);
        if (outcome.Problem is { } problem)
        {
            return problem;
        }

        ETags.Set(http, outcome.Value!.Version);
        return TypedResults.Ok(outcome.Value.ToResponse());
    }

    private static Task<Results<NoContent, ProblemHttpResult>> DeleteProposal(
        Guid id, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        RecordFlows.DeleteAsync(
            Readable(db, access), id, "proposal",
            p => access.DenyUnlessAsync(p.Id, ProposalAccess.Manager, "delete a proposal", ct),
            async p => await db.Experiments.AnyAsync(e => e.ProposalId == p.Id, ct) || await db.Samples.AnyAsync(s => s.ProposalId == p.Id, ct)
                ? "The proposal still has experiments or samples; delete those first."
                : null,
            http, db, ct);

    private static async Task<Results<Ok<List<MemberResponse>>, ProblemHttpResult>> ListMembers(
        Guid id, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        if (!await Readable(db, access).AnyAsync(p => p.Id == id, ct))
        {
            return Problems.NotFound("proposal", id);
        }

        // Who works on a proposal is its insiders' business, not that of people shown one of its measurements.
        if (await access.ForProposalAsync(id, ct) < ProposalAccess.Member)
        {
            return Problems.Forbidden("Only proposal members may see its members.");
        }

        var members = await db.ProposalMembers.AsNoTracking().Where(m => m.ProposalId == id)
            .Select(m => new MemberResponse(m.PersonId, m.Person!.DisplayName, m.Role))
            .ToListAsync(ct);
        // PIs first: roles are stored as text, so order by the enum here rather than in SQL.
        return TypedResults.Ok(members.OrderBy(m => m.Role).ThenBy(m => m.DisplayName, StringComparer.Ordinal).ToList());
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> SetMember(
        Guid id, Guid personId, MemberUpdate update, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        if (!await Readable(db, access).AnyAsync(p => p.Id == id, ct))
        {
            return Problems.NotFound("proposal", id);
        }

        if (await access.DenyUnlessAsync(id, ProposalAccess.Manager, "manage members", ct) is { } denied)
        {
            return denied;
        }

        if (!await db.People.AnyAsync(p => p.Id == personId, ct))
        {
            return Problems.NotFound("person", personId);
        }

        var member = await db.ProposalMembers.FirstOrDefaultAsync(m => m.ProposalId == id && m.PersonId == personId, ct);
        if (member is null)
        {
            db.ProposalMembers.Add(new ProposalMember { ProposalId = id, PersonId = personId, Role = update.Role });
        }
        else if (member.Role != update.Role)
        {
            if (member.Role == ProposalRole.PrincipalInvestigator && await IsLastPi(id, personId, db, ct))
            {
                return Problems.Conflict("A proposal needs a principal investigator; make someone else PI first.");
            }

            member.Role = update.Role;
        }

        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveMember(
        Guid id, Guid personId, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        if (!await Readable(db, access).AnyAsync(p => p.Id == id, ct))
        {
            return Problems.NotFound("proposal", id);
        }

        if (await access.DenyUnlessAsync(id, ProposalAccess.Manager, "manage members", ct) is { } denied)
        {
            return denied;
        }

        var member = await db.ProposalMembers.FirstOrDefaultAsync(m => m.ProposalId == id && m.PersonId == personId, ct);
        if (member is null)
        {
            return Problems.NotFound($"Person {personId} is not a member of proposal {id}.");
        }

        if (member.Role == ProposalRole.PrincipalInvestigator && await IsLastPi(id, personId, db, ct))
        {
            return Problems.Conflict("A proposal needs a principal investigator; make someone else PI first.");
        }

        db.ProposalMembers.Remove(member);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<bool> IsLastPi(Guid proposalId, Guid personId, IdrpDbContext db, CancellationToken ct) =>
        !await db.ProposalMembers.AnyAsync(m => m.ProposalId == proposalId && m.PersonId != personId && m.Role == ProposalRole.PrincipalInvestigator, ct);
}
