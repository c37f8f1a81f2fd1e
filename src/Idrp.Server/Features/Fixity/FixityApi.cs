using System.Buffers;
using System.Security.Cryptography;
using Idrp.Domain.Access;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Idrp.Infrastructure.Storage;
using Idrp.Server.Access;
using Idrp.Server.Api;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Idrp.Server.Features.Fixity;

public enum FixityStatus
{
    /// <summary>The bytes were read in full and match the recorded size and checksum.</summary>
    Ok,

    /// <summary>The bytes were read in full and differ from the record in size or checksum.</summary>
    Mismatch,

    /// <summary>The store has no blob for a stored asset, or the archive answered 404/410 for a linked one.</summary>
    Missing,

    /// <summary>The bytes could not be read (archive unreachable, too slow, an error status) or there is nothing to compare with; see the reason.</summary>
    Unverifiable,
}

/// <summary>
/// One asset's check. <c>expected</c> is the record's <c>dataChecksum</c>; <c>actual</c> is the checksum of the
/// bytes read, in the same algorithm, and <c>size</c> their count (both null when the bytes could not be read).
/// </summary>
public sealed record FixityAssetResult(
    Guid AssetId, string Name, string RelativePath, StorageKind Storage, FixityStatus Status,
    string? Expected, string? Actual, long? ExpectedSize, long? Size, string? Reason);

public sealed record FixityCounts(int Checked, int Ok, int Mismatch, int Missing, int Unverifiable);

/// <summary>The result of re-reading every complete data asset of a measurement. Nothing is stored: it is this answer only.</summary>
public sealed record FixityReport(Guid MeasurementId, DateTimeOffset CheckedAt, FixityCounts Counts, IReadOnlyList<FixityAssetResult> Assets);

/// <summary>
/// The fixity check (issue 4): re-reads the bytes of a measurement's stored and linked assets and compares them
/// with the size and checksum on record, within the request. The same check runs as a job ("fixity") and on a schedule.
/// </summary>
internal static class FixityApi
{
    public static RouteGroupBuilder MapFixity(this RouteGroupBuilder api)
    {
        api.MapPost("/measurements/{id:guid}/fixity", CheckMeasurement).WithTags("Measurements").WithName("CheckMeasurementFixity")
            .WithSummary("Re-read every complete data asset of a measurement (stored and linked) and compare size and checksum with the record (members).");
        return api;
    }

    private static async Task<Results<Ok<FixityReport>, ProblemHttpResult>> CheckMeasurement(
        Guid id, AccessService access, IdrpDbContext db, IBlobStore store, ArchiveLinks archives, IHttpClientFactory httpClients, TimeProvider clock,
        ILogger<FixityReport> logger, CancellationToken ct)
    {
        var measurement = await db.Measurements.Where(access.Rules.CanReadMeasurement()).AsNoTracking()
            .Select(m => new { m.Id, m.ProposalId }).FirstOrDefaultAsync(m => m.Id == id, ct);
        if (measurement is null)
        {
            return Problems.NotFound("measurement", id);
        }

        // Members only: a check reads every byte and calls out to archives, which is not for every reader to trigger.
        if (await access.DenyUnlessAsync(measurement.ProposalId, ProposalAccess.Member, "run fixity checks", ct) is { } denied)
        {
            return denied;
        }

        var assets = await db.DataAssets.AsNoTracking()
            .Where(a => a.MeasurementId == id && a.State == AssetState.Complete)
            .OrderBy(a => a.RelativePath).ThenBy(a => a.DataAssetName)
            .ToListAsync(ct);

        var checkedAt = clock.GetUtcNow();
        var results = new List<FixityAssetResult>(assets.Count);
        var http = httpClients.CreateClient(FixityCheck.HttpClientName);
        foreach (var asset in assets)
        {
            var result = await FixityCheck.CheckAsync(asset, store, archives, http, ct);
            results.Add(result);
            if (result.Status is FixityStatus.Mismatch or FixityStatus.Missing)
            {
                // The asset id only: a link may carry credentials, and the reason may name the archive.
                logger.LogWarning("Fixity check of data asset {AssetId} ({Storage}) in measurement {MeasurementId}: {Status}",
                    asset.Id, asset.Storage, id, result.Status);
            }
        }

        return TypedResults.Ok(new FixityReport(id, checkedAt, FixityCheck.Count(results), results));
    }
}
