using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Idrp.Infrastructure.Persistence.Configurations;
using Idrp.Server.Access;
using Idrp.Server.Api;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Idrp.Server.Features.Instruments;

public sealed record InstrumentResponse(
    Guid Id, Guid FacilityId, string Name, string Technique, string? Description, string? Manufacturer, string? Model,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, long Version);

/// <summary>Editable fields of an instrument. Its facility is fixed once created.</summary>
public record InstrumentUpdate(
    [property: Required, StringLength(Limits.Name, MinimumLength = 1)] string Name,
    [property: Required, StringLength(Limits.Code, MinimumLength = 1)] string Technique,
    [property: StringLength(Limits.Text)] string? Description = null,
    [property: StringLength(Limits.Name)] string? Manufacturer = null,
    [property: StringLength(Limits.Name)] string? Model = null);

public sealed record CreateInstrumentRequest(
    Guid FacilityId, string Name, string Technique, string? Description = null, string? Manufacturer = null, string? Model = null)
    : InstrumentUpdate(Name, Technique, Description, Manufacturer, Model);

internal static class InstrumentMapping
{
    public static InstrumentResponse ToResponse(this Instrument i) =>
        new(i.Id, i.FacilityId, i.Name, i.Technique, i.Description, i.Manufacturer, i.Model, i.CreatedAt, i.UpdatedAt, i.Version);

    public static InstrumentUpdate ToUpdate(this Instrument i) => new(i.Name, i.Technique, i.Description, i.Manufacturer, i.Model);

    public static void Apply(this Instrument i, InstrumentUpdate u)
    {
        i.Name = u.Name.Trim();
        i.Technique = u.Technique.Trim();
        i.Description = u.Description;
        i.Manufacturer = u.Manufacturer;
        i.Model = u.Model;
    }
}

/// <summary>Instruments: a public catalogue, maintained by the facility's staff and admins.</summary>
internal static class InstrumentsApi
{
    public static RouteGroupBuilder MapInstruments(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/instruments").WithTags("Instruments");
        group.MapGet("/", ListInstruments).AllowAnonymous().WithName("ListInstruments").WithSummary("Instruments, optionally of one facility or technique.");
        group.MapGet("/{id:guid}", GetInstrument).AllowAnonymous().WithName("GetInstrument").WithSummary("One instrument.");
        group.MapPost("/", CreateInstrument).WithName("CreateInstrument").WithSummary("Create an instrument (facility staff or admin).");
        group.MapPut("/{id:guid}", ReplaceInstrument).WithName("ReplaceInstrument").WithSummary("Replace an instrument's fields (facility staff or admin).");
        group.MapPatch("/{id:guid}", PatchInstrument).WithName("PatchInstrument").WithSummary("Change some fields of an instrument (JSON merge patch).")
            .Accepts<JsonElement>(MergePatch.MediaType);
        group.MapDelete("/{id:guid}", DeleteInstrument).WithName("DeleteInstrument").WithSummary("Delete an instrument no record refers to (facility staff or admin).");
        return group;
    }

    private static async Task<Ok<Page<InstrumentResponse>>> ListInstruments(
        [AsParameters] PageQuery page, Guid? facilityId, string? technique, IdrpDbContext db, CancellationToken ct)
    {
        var query = db.Instruments.AsQueryable();
        if (facilityId is { } fid)
        {
            query = query.Where(i => i.FacilityId == fid);
        }

        if (!string.IsNullOrWhiteSpace(technique))
        {
            query = query.Where(i => i.Technique == technique);
        }

        return TypedResults.Ok(await query.ToPageAsync(page, i => i.ToResponse(), ct));
    }

    private static Task<Results<Ok<InstrumentResponse>, ProblemHttpResult, StatusCodeHttpResult>> GetInstrument(Guid id, HttpContext http, IdrpDbContext db, CancellationToken ct) =>
        RecordFlows.GetAsync(db.Instruments, id, "instrument", i => i.ToResponse(), http, ct);

    private static async Task<Results<Created<InstrumentResponse>, ProblemHttpResult>> CreateInstrument(
        CreateInstrumentRequest request, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        var outcome = await InstrumentWrites.CreateAsync(request, access, db, ct);
        if (outcome.Problem is { } problem)
        {
            return problem;
        }

        var instrument = outcome.Value!;
        ETags.Set(http, instrument.Version);
        return TypedResults.Created($"/api/v1/instruments/{instrument.Id}", instrument.ToResponse());
    }

    private static Task<Results<Ok<InstrumentResponse>, ProblemHttpResult>> ReplaceInstrument(
        Guid id, InstrumentUpdate update, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        Edit(id, _ => update, http, access, db, ct);

    private static Task<Results<Ok<InstrumentResponse>, ProblemHttpResult>> PatchInstrument(
        Guid id, JsonElement patch, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        Edit(id, i => Edits.Patch(i.ToUpdate(), patch, http), http, access, db, ct);

    private static async Task<Results<Ok<InstrumentResponse>, ProblemHttpResult>> Edit(
        Guid id, Func<Instrument, InstrumentUpdate> makeUpdate, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        var outcome = await InstrumentWrites.EditAsync(id, version => ETags.IfMatchAllows(http, version), makeUpdate, access, db, ct);
        if (outcome.Problem is { } problem)
        {
            return problem;
        }

        ETags.Set(http, outcome.Value!.Version);
        return TypedResults.Ok(outcome.Value.ToResponse());
    }

    private static Task<Results<NoContent, ProblemHttpResult>> DeleteInstrument(
        Guid id, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        RecordFlows.DeleteAsync(
            db.Instruments, id, "instrument",
            i => access.DenyUnlessFacilityStaffAsync(i.FacilityId, "delete instruments", ct),
            async i => await db.Measurements.AnyAsync(m => m.InstrumentId == i.Id, ct) || await db.Experiments.AnyAsync(e => e.InstrumentId == i.Id, ct)
                ? "Experiments or measurements refer to this instrument."
                : null,
            http, db, ct);
}
