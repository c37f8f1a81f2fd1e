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
/// with the size and checksum on record. Runs within the request; the scheduled check waits for the jobs frame (issue 5).
/// </summary>
internal static class FixityApi
{
    /// <summary>The name of the <see cref="HttpClient"/> that fetches linked assets.</summary>
    public const string HttpClientName = "fixity";

    /// <summary>
    /// How long an archive may stay silent: until the answer's headers, and between any two reads of its body.
    /// An idle bound rather than a total one, so that a large file on a slow but working link still verifies.
    /// </summary>
    public static readonly TimeSpan LinkIdleTimeout = TimeSpan.FromSeconds(30);

    // 1 MiB, as uploads use: few reads per file, and ArrayPool.Shared keeps arrays of this size.
    private const int BufferSize = 1 << 20;

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
        var http = httpClients.CreateClient(HttpClientName);
        foreach (var asset in assets)
        {
            var result = await CheckAsync(asset, store, archives, http, ct);
            results.Add(result);
            if (result.Status is FixityStatus.Mismatch or FixityStatus.Missing)
            {
                // The asset id only: a link may carry credentials, and the reason may name the archive.
                logger.LogWarning("Fixity check of data asset {AssetId} ({Storage}) in measurement {MeasurementId}: {Status}",
                    asset.Id, asset.Storage, id, result.Status);
            }
        }

        var counts = new FixityCounts(
            results.Count,
            results.Count(r => r.Status == FixityStatus.Ok),
            results.Count(r => r.Status == FixityStatus.Mismatch),
            results.Count(r => r.Status == FixityStatus.Missing),
            results.Count(r => r.Status == FixityStatus.Unverifiable));
        return TypedResults.Ok(new FixityReport(id, checkedAt, counts, results));
    }

    private static async Task<FixityAssetResult> CheckAsync(DataAsset asset, IBlobStore store, ArchiveLinks archives, HttpClient http, CancellationToken ct)
    {
        FixityAssetResult Result(FixityStatus status, string? actual = null, long? size = null, string? reason = null) =>
            new(asset.Id, asset.DataAssetName, asset.RelativePath, asset.Storage, status, asset.DataChecksum, actual, asset.DataSize, size, reason);

        if (ParseChecksum(asset.DataChecksum) is not { } parsed)
        {
            return Result(FixityStatus.Unverifiable, reason: "The record has no checksum to compare with.");
        }

        var (algorithm, prefix) = parsed;

        (string Checksum, long Size) read;
        if (asset.Storage == StorageKind.Stored)
        {
            if (asset.BlobKey is null)
            {
                return Result(FixityStatus.Missing, reason: "The record names no blob.");
            }

            try
            {
                await using var source = await store.OpenReadAsync(asset.BlobKey, ct);
                read = await HashAsync(source, algorithm, prefix, idle: null, ct);
            }
            catch (BlobNotFoundException)
            {
                return Result(FixityStatus.Missing, reason: "The blob is missing from the store.");
            }
        }
        else if (ArchiveLinks.IsArchiveLink(asset.LinkUri))
        {
            try
            {
                await using var source = archives.OpenRead(asset.LinkUri!);
                read = await HashAsync(source, algorithm, prefix, idle: null, ct);
            }
            catch (BlobNotFoundException)
            {
                return Result(FixityStatus.Missing, reason: "The file is missing from the archive.");
            }
        }
        else
        {
            var (linked, problem) = await ReadLinkedAsync(asset.LinkUri, archives, http, algorithm, prefix, ct);
            if (problem is { } p)
            {
                return Result(p.Status, reason: p.Reason);
            }

            read = linked;
        }

        if (asset.DataSize is { } expectedSize && expectedSize != read.Size)
        {
            return Result(FixityStatus.Mismatch, read.Checksum, read.Size, $"{read.Size} bytes instead of {expectedSize}.");
        }

        return string.Equals(read.Checksum, asset.DataChecksum, StringComparison.OrdinalIgnoreCase)
            ? Result(FixityStatus.Ok, read.Checksum, read.Size)
            : Result(FixityStatus.Mismatch, read.Checksum, read.Size, "The checksum differs.");
    }

    private static async Task<((string Checksum, long Size) Read, (FixityStatus Status, string Reason)? Problem)> ReadLinkedAsync(
        string? link, ArchiveLinks archives, HttpClient http, HashAlgorithmName algorithm, string prefix, CancellationToken ct)
    {
        if (!Uri.TryCreate(link, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return (default, (FixityStatus.Unverifiable, "Only http(s) and archive:// links can be checked."));
        }

        if (!archives.MayFetch(uri))
        {
            return (default, (FixityStatus.Unverifiable, $"The server reads only from archive hosts the operator allows (Archives:AllowedHosts), and '{uri.Host}' is not one."));
        }

        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        idle.CancelAfter(LinkIdleTimeout);
        try
        {
            using var response = await http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, idle.Token);
            var status = (int)response.StatusCode;
            if (status is StatusCodes.Status404NotFound or StatusCodes.Status410Gone)
            {
                return (default, (FixityStatus.Missing, $"The archive answered {status}."));
            }

            if (!response.IsSuccessStatusCode)
            {
                return (default, (FixityStatus.Unverifiable, $"The archive answered {status}."));
            }

            await using var body = await response.Content.ReadAsStreamAsync(idle.Token);
            return (await HashAsync(body, algorithm, prefix, idle, idle.Token), null);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (default, (FixityStatus.Unverifiable, $"The archive sent nothing for {LinkIdleTimeout.TotalSeconds:0} s."));
        }
        catch (HttpRequestException e)
        {
            // The message names host and port at most (never the URL's user info); the caller may read the link anyway.
            return (default, (FixityStatus.Unverifiable, "The archive could not be reached: " + e.Message));
        }
        catch (IOException e)
        {
            return (default, (FixityStatus.Unverifiable, "The archive's answer broke off: " + e.Message));
        }
    }

    /// <summary>
    /// Hashes <paramref name="source"/> to its end through one pooled buffer: memory stays constant whatever the file size.
    /// When <paramref name="idle"/> is given, each read restarts its timer.
    /// </summary>
    private static async Task<(string Checksum, long Size)> HashAsync(
        Stream source, HashAlgorithmName algorithm, string prefix, CancellationTokenSource? idle, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(algorithm);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            long size = 0;
            while (true)
            {
                idle?.CancelAfter(LinkIdleTimeout);
                var read = await source.ReadAsync(buffer.AsMemory(0, BufferSize), ct);
                if (read == 0)
                {
                    break;
                }

                hash.AppendData(buffer, 0, read);
                size += read;
            }

            return (prefix + Convert.ToHexStringLower(hash.GetCurrentHash()), size);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The algorithms a data asset's checksum may use (see CreateDataAssetRequest).</summary>
    private static (HashAlgorithmName Algorithm, string Prefix)? ParseChecksum(string? checksum) =>
        checksum?[..Math.Max(0, checksum.IndexOf(':', StringComparison.Ordinal))] switch
        {
            "sha256" => (HashAlgorithmName.SHA256, "sha256:"),
            "md5" => (HashAlgorithmName.MD5, "md5:"),
            "sha1" => (HashAlgorithmName.SHA1, "sha1:"),
            "sha512" => (HashAlgorithmName.SHA512, "sha512:"),
            _ => null,
        };
}
