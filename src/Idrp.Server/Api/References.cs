using Idrp.Infrastructure.Persistence;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Idrp.Server.Api;

/// <summary>Checks of ids that a request body refers to, answered as 422 on the field that names them.</summary>
internal static class References
{
    public static async Task<ProblemHttpResult?> CheckFacilityAndInstrument(Guid? facilityId, Guid? instrumentId, IdrpDbContext db, CancellationToken ct)
    {
        if (facilityId is { } fid && !await db.Facilities.AnyAsync(f => f.Id == fid, ct))
        {
            return Problems.Invalid("facilityId", $"There is no facility with id {fid}.");
        }

        if (instrumentId is { } iid)
        {
            var instrumentFacility = await db.Instruments.Where(i => i.Id == iid).Select(i => (Guid?)i.FacilityId).FirstOrDefaultAsync(ct);
            if (instrumentFacility is null)
            {
                return Problems.Invalid("instrumentId", $"There is no instrument with id {iid}.");
            }

            if (facilityId is not null && instrumentFacility != facilityId)
            {
                return Problems.Invalid("instrumentId", "The instrument belongs to another facility.");
            }
        }

        return null;
    }
}
