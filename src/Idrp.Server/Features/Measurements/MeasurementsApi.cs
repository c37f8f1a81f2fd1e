using System.Text.Json;
using Idrp.Domain.Access;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Idrp.Server.Access;
using Idrp.Server.Api;
using Idrp.Server.Features.People;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Idrp.Server.Features.Measurements;

/// <summary>Measurements, their settings and keywords, and with whom they are shared.</summary>
internal static class MeasurementsApi
{
    public static RouteGroupBuilder MapMeasurements(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/measurements").WithTags("Measurements");
        group.MapGet("/", ListMeasurements).AllowAnonymous().WithName("ListMeasurements")
            .WithSummary("Measurements you may see, filtered by experiment, proposal, sample, instrument, technique or visibility.");
        group.MapGet("/{id:guid}", GetMeasurement).AllowAnonymous().WithName("GetMeasurement").WithSummary("One measurement.");
        group.MapPost("/", CreateMeasurement).WithName("CreateMeasurement").WithSummary("Register a measurement in an experiment (members).");
        group.MapPut("/{id:guid}", ReplaceMeasurement).WithName("ReplaceMeasurement").WithSummary("Replace a measurement's fields (members; publication fields: PI, staff, admin).");
        group.MapPatch("/{id:guid}", PatchMeasurement).WithName("PatchMeasurement").WithSummary("Change some fields of a measurement (JSON merge patch).")
            .Accepts<JsonElement>(MergePatch.MediaType);
        group.MapDelete("/{id:guid}", DeleteMeasurement).WithName("DeleteMeasurement").WithSummary("Delete a measurement without data assets (PI, facility staff or admin).");
        group.MapGet("/{id:guid}/shares", ListShares).WithName("ListMeasurementShares").WithSummary("People a measurement is shared with (proposal insiders).");
        group.MapPut("/{id:guid}/shares/{personId:guid}", AddShare).WithName("AddMeasurementShare").WithSummary("Share a measurement with a person (PI, facility staff or admin).");
        group.MapDelete("/{id:guid}/shares/{personId:guid}", RemoveShare).WithName("RemoveMeasurementShare").WithSummary("Stop sharing a measurement with a person (PI, facility staff or admin).");
        return group;
    }

    internal static IQueryable<Measurement> Readable(IdrpDbContext db, AccessService access) =>
        db.Measurements.Where(access.Rules.CanReadMeasurement());

    private static async Task<Ok<Page<MeasurementResponse>>> ListMeasurements(
        [AsParameters] PageQuery page, Guid? experimentId, Guid? proposalId, Guid? sampleId, Guid? instrumentId, string? technique, Visibility? visibility,
        AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        var query = Readable(db, access);
        if (experimentId is { } eid)
        {
            query = query.Where(m => m.ExperimentId == eid);
        }

        if (proposalId is { } pid)
        {
            query = query.Where(m => m.ProposalId == pid);
        }

        if (sampleId is { } sid)
        {
            query = query.Where(m => m.SampleId == sid);
        }

        if (instrumentId is { } iid)
        {
            query = query.Where(m => m.InstrumentId == iid);
        }

        if (!string.IsNullOrWhiteSpace(technique))
        {
            query = query.Where(m => m.Technique == technique);
        }

        if (visibility is { } v)
        {
            query = query.Where(m => m.Visibility == v);
        }

        return TypedResults.Ok(await query.ToPageAsync(page, m => m.ToResponse(), ct));
    }

    private static Task<Results<Ok<MeasurementResponse>, ProblemHttpResult, StatusCodeHttpResult>> GetMeasurement(
        Guid id, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        RecordFlows.GetAsync(Readable(db, access), id, "measurement", m => m.ToResponse(), http, ct);

    private static async Task<Results<Created<MeasurementResponse>, ProblemHttpResult>> CreateMeasurement(
        CreateMeasurementRequest request, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        var outcome = await MeasurementWrites.CreateAsync(request, access, db, ct);
        if (outcome.Problem is { } problem)
        {
            return problem;
        }

        var measurement = outcome.Value!;
        ETags.Set(http, measurement.Version);
        return TypedResults.Created($"/api/v1/measurements/{measurement.Id}", measurement.ToResponse());
    }

    private static Task<Results<Ok<MeasurementResponse>, ProblemHttpResult>> ReplaceMeasurement(
        Guid id, MeasurementUpdate update, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        Edit(id, _ => update, http, access, db, ct);

    private static Task<Results<Ok<MeasurementResponse>, ProblemHttpResult>> PatchMeasurement(
        Guid id, JsonElement patch, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        Edit(id, m => Edits.Patch(m.ToUpdate(), patch, http), http, access, db, ct);

    private static async Task<Results<Ok<MeasurementResponse>, ProblemHttpResult>> Edit(
        Guid id, Func<Measurement, MeasurementUpdate> makeUpdate, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        var outcome = await MeasurementWrites.EditAsync(id, version => ETags.IfMatchAllows(http, version), makeUpdate, access, db, ct);
        if (outcome.Problem is { } problem)
        {
            return problem;
        }

        ETags.Set(http, outcome.Value!.Version);
        return TypedResults.Ok(outcome.Value.ToResponse());
    }

    private static Task<Results<NoContent, ProblemHttpResult>> DeleteMeasurement(
        Guid id, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        RecordFlows.DeleteAsync(
            Readable(db, access), id, "measurement",
            m => access.DenyUnlessAsync(m.ProposalId, ProposalAccess.Manager, "delete measurements", ct),
            async m => await db.DataAssets.AnyAsync(a => a.MeasurementId == m.Id, ct)
                ? "The measurement still has data assets; delete those first."
                : null,
            http, db, ct);

    private static async Task<Results<Ok<List<PersonResponse>>, ProblemHttpResult>> ListShares(
        Guid id, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        var outcome = await MeasurementWrites.SharesAsync(id, access, db, ct);
        if (outcome.Problem is { } problem)
        {
            return problem;
        }

        return TypedResults.Ok(outcome.Value!.ConvertAll(p => p.ToResponse(includeEmail: access.Actor.IsAdmin)));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> AddShare(
        Guid id, Guid personId, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        await MeasurementWrites.ShareAsync(id, personId, access, db, ct) is { } problem ? problem : TypedResults.NoContent();

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveShare(
        Guid id, Guid personId, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        await MeasurementWrites.UnshareAsync(id, personId, access, db, ct) is { } problem ? problem : TypedResults.NoContent();
}
