using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Idrp.Server.Access;
using Idrp.Server.Api;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Idrp.Server.Features.Instruments;

/// <summary>Creating and editing instruments (facility staff, admins): the rules the API and the web UI share.</summary>
internal static class InstrumentWrites
{
    public static async Task<Outcome<Instrument>> CreateAsync(CreateInstrumentRequest request, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        if (!await db.Facilities.AnyAsync(f => f.Id == request.FacilityId, ct))
        {
            return Problems.Invalid("facilityId", $"There is no facility with id {request.FacilityId}.");
        }

        if (await access.DenyUnlessFacilityStaffAsync(request.FacilityId, "add instruments", ct) is { } denied)
        {
            return denied;
        }

        if (Edits.Validate(request) is { } invalid)
        {
            return invalid;
        }

        var instrument = new Instrument { FacilityId = request.FacilityId, Name = request.Name, Technique = request.Technique };
        instrument.Apply(request);
        db.Instruments.Add(instrument);
        await db.SaveChangesAsync(ct);
        return instrument;
    }

    public static Task<Outcome<Instrument>> EditAsync(
        Guid id, Func<long, bool> versionMatches, Func<Instrument, InstrumentUpdate> makeUpdate, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        RecordFlows.EditAsync(
            db.Instruments, id, "instrument",
            i => access.DenyUnlessFacilityStaffAsync(i.FacilityId, "edit instruments", ct),
            versionMatches,
            makeUpdate,
            (i, u) =>
            {
                i.Apply(u);
                return Task.FromResult<ProblemHttpResult?>(null);
            },
            db, ct);
}
