using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Idrp.Server.Access;
using Idrp.Server.Api;
using Microsoft.AspNetCore.Http.HttpResults;

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
}
