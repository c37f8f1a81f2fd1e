using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Idrp.Server.Access;
using Idrp.Server.Api;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Idrp.Server.Features.Facilities;

/// <summary>Creating and editing facilities (admins): the rules the API and the web UI share.</summary>
internal static class FacilityWrites
{
    public static async Task<Outcome<Facility>> CreateAsync(FacilityUpdate request, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        if (access.DenyUnlessAdmin("create facilities") is { } denied)
        {
            return denied;
        }

        if (Edits.Validate(request) is { } invalid)
        {
            return invalid;
        }

        var facility = new Facility { Code = request.Code, Name = request.Name };
        facility.Apply(request);
        db.Facilities.Add(facility);
        await db.SaveChangesAsync(ct);
        return facility;
    }

    public static Task<Outcome<Facility>> EditAsync(
        Guid id, Func<long, bool> versionMatches, Func<Facility, FacilityUpdate> makeUpdate, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        RecordFlows.EditAsync(
            db.Facilities, id, "facility",
            _ => Task.FromResult(access.DenyUnlessAdmin("edit facilities")),
            versionMatches,
            makeUpdate,
            (f, u) =>
            {
                f.Apply(u);
                return Task.FromResult<ProblemHttpResult?>(null);
            },
            db, ct);

    /// <summary>Null when the person is now staff of the facility; otherwise the problem.</summary>
    public static async Task<ProblemHttpResult?> AddStaffAsync(Guid id, Guid personId, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        if (access.DenyUnlessAdmin("assign facility staff") is { } denied)
        {
            return denied;
        }

        if (!await db.Facilities.AnyAsync(f => f.Id == id, ct))
        {
            return Problems.NotFound("facility", id);
        }

        if (!await db.People.AnyAsync(p => p.Id == personId, ct))
        {
            return Problems.NotFound("person", personId);
        }

        if (!await db.FacilityStaff.AnyAsync(s => s.FacilityId == id && s.PersonId == personId, ct))
        {
            db.FacilityStaff.Add(new FacilityStaff { FacilityId = id, PersonId = personId });
            await db.SaveChangesAsync(ct);
        }

        return null;
    }
}
