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

/// <summary>
/// Re-reads the bytes of one data asset (stored, archive or http link) with constant memory and compares size and
/// checksum with the record. Used by the API's immediate check, the fixity job type and the scheduled check.
/// </summary>
internal static class FixityCheck
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

    /// <summary>Notes on each asset when it was last checked and how it went (not audited: it is not a change of the record).</summary>
    public static async Task RecordAsync(Infrastructure.Persistence.IdrpDbContext db, IEnumerable<FixityAssetResult> results, DateTimeOffset at, CancellationToken ct)
    {
        foreach (var group in results.GroupBy(r => r.Status))
        {
            var ids = group.Select(r => r.AssetId).ToList();
            var status = group.Key.ToString().ToLowerInvariant();
            await db.DataAssets.Where(a => ids.Contains(a.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(a => a.FixityCheckedAt, at).SetProperty(a => a.FixityStatus, status), ct);
        }
    }

    public static FixityCounts Count(IReadOnlyCollection<FixityAssetResult> results) => new(
        results.Count,
        results.Count(r => r.Status == FixityStatus.Ok),
        results.Count(r => r.Status == FixityStatus.Mismatch),
        results.Count(r => r.Status == FixityStatus.Missing),
        results.Count(r => r.Status == FixityStatus.Unverifiable));

    public static async Task<FixityAssetResult> CheckAsync(DataAsset asset, IBlobStore store, ArchiveLinks archives, HttpClient http, CancellationToken ct)
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
