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

    private static IQueryable<Measurement> Readable(IdrpDbContext db, AccessService access) =>
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
        var experiment = await db.Experiments.Where(access.Rules.CanReadExperiment()).AsNoTracking()
            .FirstOrDefaultAsync(e => e.Id == request.ExperimentId, ct);
        if (experiment is null)
        {
            return Problems.NotFound("experiment", request.ExperimentId);
        }

        var needed = request.Visibility != Visibility.Private || request.SharedWithSignedInUsers || request.EmbargoUntil is not null
            ? ProposalAccess.Manager
            : ProposalAccess.Member;
        if (await access.DenyUnlessAsync(experiment.ProposalId, needed, needed == ProposalAccess.Manager ? "register shared or public measurements" : "register measurements", ct) is { } denied)
        {
            return denied;
        }

        if (await CheckReferences(request, experiment.ProposalId, db, ct) is { } invalid)
        {
            return invalid;
        }

        var measurement = new Measurement
        {
            ExperimentId = experiment.Id,
            ProposalId = experiment.ProposalId,
            MeasurementName = request.MeasurementName,
            InstrumentId = experiment.InstrumentId,
        };
        measurement.Apply(request with { InstrumentId = request.InstrumentId ?? experiment.InstrumentId }, access.Actor.PersonId);
        db.Measurements.Add(measurement);
        await db.SaveChangesAsync(ct);
        ETags.Set(http, measurement.Version);
        return TypedResults.Created($"/api/v1/measurements/{measurement.Id}", measurement.ToResponse());
    }

    private static Task<Results<Ok<MeasurementResponse>, ProblemHttpResult>> ReplaceMeasurement(
        Guid id, MeasurementUpdate update, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        Edit(id, _ => update, http, access, db, ct);

    private static Task<Results<Ok<MeasurementResponse>, ProblemHttpResult>> PatchMeasurement(
        Guid id, JsonElement patch, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        Edit(id, m => Edits.Patch(m.ToUpdate(), patch, http), http, access, db, ct);

    private static Task<Results<Ok<MeasurementResponse>, ProblemHttpResult>> Edit(
        Guid id, Func<Measurement, MeasurementUpdate> makeUpdate, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        RecordFlows.EditAsync(
            Readable(db, access), id, "measurement",
            m => access.DenyUnlessAsync(m.ProposalId, ProposalAccess.Member, "edit measurements", ct),
            makeUpdate,
            async (m, u) =>
            {
                if (m.ChangesPublication(u) && await access.DenyUnlessAsync(m.ProposalId, ProposalAccess.Manager, "change visibility, embargo, sharing or licence", ct) is { } denied)
                {
                    return denied;
                }

                if (await CheckReferences(u, m.ProposalId, db, ct) is { } invalid)
                {
                    return invalid;
                }

                m.Apply(u, access.Actor.PersonId);
                return null;
            },
            m => m.ToResponse(), http, db, ct);

    private static Task<Results<NoContent, ProblemHttpResult>> DeleteMeasurement(
        Guid id, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        RecordFlows.DeleteAsync(
            Readable(db, access), id, "measurement",
            m => access.DenyUnlessAsync(m.ProposalId, ProposalAccess.Manager, "delete measurements", ct),
            async m => await db.DataAssets.AnyAsync(a => a.MeasurementId == m.Id, ct)
                ? "The measurement still has data assets; delete those first."
                : null,
            http, db, ct);

    private static async Task<ProblemHttpResult?> CheckReferences(MeasurementUpdate u, Guid proposalId, IdrpDbContext db, CancellationToken ct)
    {
        if (u.SampleId is { } sid && !await db.Samples.AnyAsync(s => s.Id == sid && s.ProposalId == proposalId, ct))
        {
            return Problems.Invalid("sampleId", $"The proposal has no sample with id {sid}.");
        }

        return await References.CheckFacilityAndInstrument(null, u.InstrumentId, db, ct);
    }

    private static async Task<Results<Ok<List<PersonResponse>>, ProblemHttpResult>> ListShares(
        Guid id, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        var measurement = await Readable(db, access).AsNoTracking().Select(m => new { m.Id, m.ProposalId }).FirstOrDefaultAsync(m => m.Id == id, ct);
        if (measurement is null)
        {
            return Problems.NotFound("measurement", id);
        }

        // Who else can see a measurement is the proposal's business, not that of the people it is shared with.
        if (await access.ForProposalAsync(measurement.ProposalId, ct) < ProposalAccess.Member)
        {
            return Problems.Forbidden("Only proposal members may see with whom a measurement is shared.");
        }

        var people = await db.MeasurementShares.AsNoTracking().Where(s => s.MeasurementId == id)
            .Select(s => s.Person!).OrderBy(p => p.DisplayName).ToListAsync(ct);
        return TypedResults.Ok(people.ConvertAll(p => p.ToResponse(includeEmail: access.Actor.IsAdmin)));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> AddShare(
        Guid id, Guid personId, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        var measurement = await Readable(db, access).AsNoTracking().Select(m => new { m.Id, m.ProposalId }).FirstOrDefaultAsync(m => m.Id == id, ct);
        if (measurement is null)
        {
            return Problems.NotFound("measurement", id);
        }

        if (await access.DenyUnlessAsync(measurement.ProposalId, ProposalAccess.Manager, "share measurements", ct) is { } denied)
        {
            return denied;
        }

        if (!await db.People.AnyAsync(p => p.Id == personId, ct))
        {
            return Problems.NotFound("person", personId);
        }

        if (!await db.MeasurementShares.AnyAsync(s => s.MeasurementId == id && s.PersonId == personId, ct))
        {
            db.MeasurementShares.Add(new MeasurementShare { MeasurementId = id, PersonId = personId });
            await db.SaveChangesAsync(ct);
        }

        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveShare(
        Guid id, Guid personId, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        var measurement = await Readable(db, access).AsNoTracking().Select(m => new { m.Id, m.ProposalId }).FirstOrDefaultAsync(m => m.Id == id, ct);
        if (measurement is null)
        {
            return Problems.NotFound("measurement", id);
        }

        if (await access.DenyUnlessAsync(measurement.ProposalId, ProposalAccess.Manager, "share measurements", ct) is { } denied)
        {
            return denied;
        }

        var share = await db.MeasurementShares.FirstOrDefaultAsync(s => s.MeasurementId == id && s.PersonId == personId, ct);
        if (share is null)
        {
            return Problems.NotFound($"Measurement {id} is not shared with person {personId}.");
        }

        db.MeasurementShares.Remove(share);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }
}
