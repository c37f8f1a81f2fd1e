using Idrp.Domain.Access;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Idrp.Server.Access;
using Idrp.Server.Api;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Idrp.Server.Features.Measurements;

/// <summary>Registering, editing and sharing measurements: the rules the API and the web UI share.</summary>
internal static class MeasurementWrites
{
    public static async Task<Outcome<Measurement>> CreateAsync(CreateMeasurementRequest request, AccessService access, IdrpDbContext db, CancellationToken ct)
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

        if (Edits.Validate(request) is { } invalid)
        {
            return invalid;
        }

        if (await CheckReferences(request, experiment.ProposalId, db, ct) is { } badReference)
        {
            return badReference;
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
        return measurement;
    }

    public static Task<Outcome<Measurement>> EditAsync(
        Guid id, Func<long, bool> versionMatches, Func<Measurement, MeasurementUpdate> makeUpdate, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        RecordFlows.EditAsync(
            MeasurementsApi.Readable(db, access), id, "measurement",
            m => access.DenyUnlessAsync(m.ProposalId, ProposalAccess.Member, "edit measurements", ct),
            versionMatches,
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
            db, ct);

    /// <summary>The people a measurement is shared with, for proposal insiders only.</summary>
    public static async Task<Outcome<List<Person>>> SharesAsync(Guid id, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        var measurement = await MeasurementsApi.Readable(db, access).AsNoTracking().Select(m => new { m.Id, m.ProposalId }).FirstOrDefaultAsync(m => m.Id == id, ct);
        if (measurement is null)
        {
            return Problems.NotFound("measurement", id);
        }

        // Who else can see a measurement is the proposal's business, not that of the people it is shared with.
        if (await access.ForProposalAsync(measurement.ProposalId, ct) < ProposalAccess.Member)
        {
            return Problems.Forbidden("Only proposal members may see with whom a measurement is shared.");
        }

        return await db.MeasurementShares.AsNoTracking().Where(s => s.MeasurementId == id)
            .Select(s => s.Person!).OrderBy(p => p.DisplayName).ToListAsync(ct);
    }

    /// <summary>Null when the measurement is now shared with the person; otherwise the problem.</summary>
    public static async Task<ProblemHttpResult?> ShareAsync(Guid id, Guid personId, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        var measurement = await MeasurementsApi.Readable(db, access).AsNoTracking().Select(m => new { m.Id, m.ProposalId }).FirstOrDefaultAsync(m => m.Id == id, ct);
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

        return null;
    }

    /// <summary>Null when the measurement is no longer shared with the person; otherwise the problem.</summary>
    public static async Task<ProblemHttpResult?> UnshareAsync(Guid id, Guid personId, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        var measurement = await MeasurementsApi.Readable(db, access).AsNoTracking().Select(m => new { m.Id, m.ProposalId }).FirstOrDefaultAsync(m => m.Id == id, ct);
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
        return null;
    }

    private static async Task<ProblemHttpResult?> CheckReferences(MeasurementUpdate u, Guid proposalId, IdrpDbContext db, CancellationToken ct)
    {
        if (u.SampleId is { } sid && !await db.Samples.AnyAsync(s => s.Id == sid && s.ProposalId == proposalId, ct))
        {
            return Problems.Invalid("sampleId", $"The proposal has no sample with id {sid}.");
        }

        return await References.CheckFacilityAndInstrument(null, u.InstrumentId, db, ct);
    }
}
