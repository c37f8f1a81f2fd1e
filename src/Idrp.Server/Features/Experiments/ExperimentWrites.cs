using Idrp.Domain.Access;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Idrp.Server.Access;
using Idrp.Server.Api;
using Microsoft.EntityFrameworkCore;

namespace Idrp.Server.Features.Experiments;

/// <summary>Creating and editing experiments: the rules the API and the web UI share.</summary>
internal static class ExperimentWrites
{
    public static async Task<Outcome<Experiment>> CreateAsync(CreateExperimentRequest request, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        if (!await db.Proposals.Where(access.Rules.CanReadProposal()).AnyAsync(p => p.Id == request.ProposalId, ct))
        {
            return Problems.NotFound("proposal", request.ProposalId);
        }

        if (await access.DenyUnlessAsync(request.ProposalId, ProposalAccess.Member, "add experiments", ct) is { } denied)
        {
            return denied;
        }

        if (Edits.Validate(request) is { } invalid)
        {
            return invalid;
        }

        if (await References.CheckFacilityAndInstrument(request.FacilityId, request.InstrumentId, db, ct) is { } badReference)
        {
            return badReference;
        }

        var experiment = new Experiment { ProposalId = request.ProposalId, Name = request.Name };
        experiment.Apply(request);
        db.Experiments.Add(experiment);
        await db.SaveChangesAsync(ct);
        return experiment;
    }

    public static Task<Outcome<Experiment>> EditAsync(
        Guid id, Func<long, bool> versionMatches, Func<Experiment, ExperimentUpdate> makeUpdate, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        RecordFlows.EditAsync(
            ExperimentsApi.Readable(db, access), id, "experiment",
            e => access.DenyUnlessAsync(e.ProposalId, ProposalAccess.Member, "edit experiments", ct),
            versionMatches,
            makeUpdate,
            async (e, u) =>
            {
                if (await References.CheckFacilityAndInstrument(u.FacilityId, u.InstrumentId, db, ct) is { } invalid)
                {
                    return invalid;
                }

                e.Apply(u);
                return null;
            },
            db, ct);
}
