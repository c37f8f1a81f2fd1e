using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Idrp.Infrastructure.Persistence.Configurations;
using Idrp.Server.Access;
using Idrp.Server.Api;
using Idrp.Server.Features.People;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Idrp.Server.Features.Facilities;

public sealed record FacilityResponse(
    Guid Id, string Code, string Name, string? Description, string? Country, string? Url,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, long Version);

public sealed record FacilityUpdate(
    [property: Required, StringLength(Limits.Code, MinimumLength = 1), RegularExpression(@"^[A-Za-z0-9][A-Za-z0-9._-]*$", ErrorMessage = "A facility code uses letters, digits and . _ - only.")] string Code,
    [property: Required, StringLength(Limits.Name, MinimumLength = 1)] string Name,
    [property: StringLength(Limits.Text)] string? Description = null,
    [property: StringLength(Limits.Code)] string? Country = null,
    [property: Url, StringLength(Limits.Uri)] string? Url = null);

internal static class FacilityMapping
{
    public static FacilityResponse ToResponse(this Facility f) =>
        new(f.Id, f.Code, f.Name, f.Description, f.Country, f.Url, f.CreatedAt, f.UpdatedAt, f.Version);

    public static FacilityUpdate ToUpdate(this Facility f) => new(f.Code, f.Name, f.Description, f.Country, f.Url);

    public static void Apply(this Facility f, FacilityUpdate u)
    {
        f.Code = u.Code.Trim();
        f.Name = u.Name.Trim();
        f.Description = u.Description;
        f.Country = u.Country;
        f.Url = u.Url;
    }
}

/// <summary>Facilities and their staff: a public catalogue, maintained by admins.</summary>
internal static class FacilitiesApi
{
    public static RouteGroupBuilder MapFacilities(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/facilities").WithTags("Facilities");
        group.MapGet("/", ListFacilities).AllowAnonymous().WithName("ListFacilities").WithSummary("All facilities.");
        group.MapGet("/{id:guid}", GetFacility).AllowAnonymous().WithName("GetFacility").WithSummary("One facility.");
        group.MapPost("/", CreateFacility).WithName("CreateFacility").WithSummary("Create a facility (admin).");
        group.MapPut("/{id:guid}", ReplaceFacility).WithName("ReplaceFacility").WithSummary("Replace a facility's fields (admin).");
        group.MapPatch("/{id:guid}", PatchFacility).WithName("PatchFacility").WithSummary("Change some fields of a facility (admin; JSON merge patch).")
            .Accepts<JsonElement>(MergePatch.MediaType);
        group.MapDelete("/{id:guid}", DeleteFacility).WithName("DeleteFacility").WithSummary("Delete a facility that nothing refers to (admin).");
        group.MapGet("/{id:guid}/staff", ListStaff).WithName("ListFacilityStaff").WithSummary("Staff of a facility.");
        group.MapPut("/{id:guid}/staff/{personId:guid}", AddStaff).WithName("AddFacilityStaff").WithSummary("Make a person staff of the facility (admin).");
        group.MapDelete("/{id:guid}/staff/{personId:guid}", RemoveStaff).WithName("RemoveFacilityStaff").WithSummary("Remove a person from the facility's staff (admin).");
        return group;
    }

    private static async Task<Ok<Page<FacilityResponse>>> ListFacilities([AsParameters] PageQuery page, IdrpDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await db.Facilities.ToPageAsync(page, f => f.ToResponse(), ct));

    private static Task<Results<Ok<FacilityResponse>, ProblemHttpResult, StatusCodeHttpResult>> GetFacility(Guid id, HttpContext http, IdrpDbContext db, CancellationToken ct) =>
        RecordFlows.GetAsync(db.Facilities, id, "facility", f => f.ToResponse(), http, ct);

    private static async Task<Results<Created<FacilityResponse>, ProblemHttpResult>> CreateFacility(
        FacilityUpdate request, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        var outcome = await FacilityWrites.CreateAsync(request, access, db, ct);
        if (outcome.Problem is { } problem)
        {
            return problem;
        }

        var facility = outcome.Value!;
        ETags.Set(http, facility.Version);
        return TypedResults.Created($"/api/v1/facilities/{facility.Id}", facility.ToResponse());
    }

    private static Task<Results<Ok<FacilityResponse>, ProblemHttpResult>> ReplaceFacility(
        Guid id, FacilityUpdate update, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        Edit(id, _ => update, http, access, db, ct);

    private static Task<Results<Ok<FacilityResponse>, ProblemHttpResult>> PatchFacility(
        Guid id, JsonElement patch, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        Edit(id, f => Edits.Patch(f.ToUpdate(), patch, http), http, access, db, ct);

    private static async Task<Results<Ok<FacilityResponse>, ProblemHttpResult>> Edit(
        Guid id, Func<Facility, FacilityUpdate> makeUpdate, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        var outcome = await FacilityWrites.EditAsync(id, version => ETags.IfMatchAllows(http, version), makeUpdate, access, db, ct);
        if (outcome.Problem is { } problem)
        {
            return problem;
        }

        ETags.Set(http, outcome.Value!.Version);
        return TypedResults.Ok(outcome.Value.ToResponse());
    }

    private static Task<Results<NoContent, ProblemHttpResult>> DeleteFacility(
        Guid id, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        RecordFlows.DeleteAsync(
            db.Facilities, id, "facility",
            _ => Task.FromResult(access.DenyUnlessAdmin("delete facilities")),
            async f => await db.Instruments.AnyAsync(i => i.FacilityId == f.Id, ct) || await db.ProposalFacilities.AnyAsync(p => p.FacilityId == f.Id, ct)
                ? "The facility still has instruments or proposals."
                : null,
            http, db, ct);

    private static async Task<Results<Ok<List<PersonResponse>>, ProblemHttpResult>> ListStaff(Guid id, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        if (!await db.Facilities.AnyAsync(f => f.Id == id, ct))
        {
            return Problems.NotFound("facility", id);
        }

        var staff = await db.FacilityStaff.AsNoTracking().Where(s => s.FacilityId == id).Select(s => s.Person!).OrderBy(p => p.DisplayName).ToListAsync(ct);
        var actor = access.Actor;
        return TypedResults.Ok(staff.ConvertAll(p => p.ToResponse(actor.IsAdmin || p.Id == actor.PersonId)));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> AddStaff(Guid id, Guid personId, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        await FacilityWrites.AddStaffAsync(id, personId, access, db, ct) is { } problem ? problem : TypedResults.NoContent();

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveStaff(Guid id, Guid personId, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        if (access.DenyUnlessAdmin("assign facility staff") is { } denied)
        {
            return denied;
        }

        var row = await db.FacilityStaff.FirstOrDefaultAsync(s => s.FacilityId == id && s.PersonId == personId, ct);
        if (row is null)
        {
            return Problems.NotFound($"Person {personId} is not staff of facility {id}.");
        }

        db.FacilityStaff.Remove(row);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }
}
