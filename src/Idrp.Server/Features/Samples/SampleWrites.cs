using Idrp.Domain.Access;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Idrp.Server.Access;
using Idrp.Server.Api;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Idrp.Server.Features.Samples;

/// <summary>Creating and editing samples: the rules the API and the web UI share.</summary>
internal static class SampleWrites
{
    public static async Task<Outcome<Sample>> CreateAsync(CreateSampleRequest request, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        if (!await db.Proposals.Where(access.Rules.CanReadProposal()).AnyAsync(p => p.Id == request.ProposalId, ct))
        {
            return Problems.NotFound("proposal", request.ProposalId);
        }

        if (await access.DenyUnlessAsync(request.ProposalId, ProposalAccess.Member, "add samples", ct) is { } denied)
        {
            return denied;
        }

        if (Edits.Validate(request) is { } invalid)
        {
            return invalid;
        }

        var sample = new Sample { ProposalId = request.ProposalId, Name = request.Name };
        sample.Apply(request);
        db.Samples.Add(sample);
        await db.SaveChangesAsync(ct);
        return sample;
    }

    public static Task<Outcome<Sample>> EditAsync(
        Guid id, Func<long, bool> versionMatches, Func<Sample, SampleUpdate> makeUpdate, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        RecordFlows.EditAsync(
            SamplesApi.Readable(db, access), id, "sample",
            s => access.DenyUnlessAsync(s.ProposalId, ProposalAccess.Member, "edit samples", ct),
            versionMatches,
            makeUpdate,
            (s, u) =>
            {
                s.Apply(u);
                return Task.FromResult<ProblemHttpResult?>(null);
            },
            db, ct);
}
