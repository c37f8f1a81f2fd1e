using System.IO.Compression;
using System.Text;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Idrp.Infrastructure.Storage;
using Idrp.Server.Access;
using Idrp.Server.Api;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;

namespace Idrp.Server.Features.Downloads;

/// <summary>
/// The bytes of data assets: one asset with HTTP ranges and a strong ETag (its SHA-256), or a whole
/// measurement as a zip streamed straight from the store (no temporary files). Assets linked into a
/// mounted facility archive are served from it; http(s) links are redirected. Reading data follows
/// exactly the rule for reading the metadata.
/// </summary>
internal static class DownloadsApi
{
    public static RouteGroupBuilder MapDownloads(this RouteGroupBuilder api)
    {
        api.MapGet("/data-assets/{id:guid}/content", DownloadAsset).AllowAnonymous().WithTags("Data assets").WithName("DownloadDataAsset")
            .WithSummary("The asset's bytes (Range requests supported); linked assets redirect to their archive.");
        api.MapGet("/measurements/{id:guid}/content", DownloadMeasurement).AllowAnonymous().WithTags("Measurements").WithName("DownloadMeasurement")
            .WithSummary("Every stored asset of a measurement as one zip, streamed; linked assets are listed in linked-assets.tsv inside it.");
        return api;
    }

    private static async Task<Results<FileStreamHttpResult, RedirectHttpResult, ProblemHttpResult>> DownloadAsset(
        Guid id, AccessService access, IdrpDbContext db, IBlobStore store, ArchiveLinks archives, ILogger<DataAsset> logger, CancellationToken ct)
    {
        var asset = await db.DataAssets.Where(access.Rules.CanReadDataAsset()).AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, ct);
        if (asset is null)
        {
            return Problems.NotFound("data asset", id);
        }

        if (asset.State != AssetState.Complete)
        {
            return Problems.Conflict(asset.Storage == StorageKind.Linked
                ? "This linked data asset has no size and checksum yet, so its data is not offered."
                : "This data asset has no data yet: its upload has not finished.");
        }

        if (asset.Storage == StorageKind.Linked && !ArchiveLinks.IsArchiveLink(asset.LinkUri))
        {
            return TypedResults.Redirect(asset.LinkUri!);
        }

        Stream stream;
        try
        {
            stream = await OpenAsync(asset.Storage, asset.BlobKey, asset.LinkUri, store, archives, ct);
        }
        catch (BlobNotFoundException)
        {
            logger.LogError("The bytes of complete data asset {AssetId} are missing from the store (blob {BlobKey})", asset.Id, asset.BlobKey);
            return Problems.Make(StatusCodes.Status500InternalServerError, "data-missing", "Data missing",
                "The bytes of this data asset are missing from the store. This was logged for the operators.");
        }

        var sha256 = asset.DataChecksum?.StartsWith("sha256:", StringComparison.Ordinal) == true ? asset.DataChecksum[7..] : null;
        return TypedResults.File(
            stream,
            asset.MediaType ?? "application/octet-stream",
            fileDownloadName: asset.DataAssetName,
            lastModified: asset.UpdatedAt,
            entityTag: sha256 is null ? null : new EntityTagHeaderValue($"\"{sha256}\""),
            enableRangeProcessing: true);
    }

    private static async Task<Results<EmptyHttpResult, ProblemHttpResult>> DownloadMeasurement(
        Guid id, HttpContext http, AccessService access, IdrpDbContext db, IBlobStore store, ArchiveLinks archives, ILogger<Measurement> logger, CancellationToken ct)
    {
        var measurement = await db.Measurements.Where(access.Rules.CanReadMeasurement()).AsNoTracking()
            .Select(m => new { m.Id, m.MeasurementName }).FirstOrDefaultAsync(m => m.Id == id, ct);
        if (measurement is null)
        {
            return Problems.NotFound("measurement", id);
        }

        var assets = await db.DataAssets.AsNoTracking()
            .Where(a => a.MeasurementId == id && a.State == AssetState.Complete)
            .OrderBy(a => a.RelativePath).ThenBy(a => a.DataAssetName)
            .Select(a => new { a.Id, a.DataAssetName, a.RelativePath, a.Storage, a.BlobKey, a.LinkUri, a.DataSize, a.DataChecksum })
            .ToListAsync(ct);

        http.Response.ContentType = "application/zip";
        http.Response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment")
        {
            FileNameStar = ZipName(measurement.MeasurementName),
        }.ToString();

        // Stored, not deflated: instrument data rarely compresses, and streaming at disk speed matters more.
        await using var zip = new ZipArchive(http.Response.BodyWriter.AsStream(), ZipArchiveMode.Create, leaveOpen: true, Encoding.UTF8);
        var linked = new StringBuilder("name\tpath\tsize\tchecksum\turl\n");
        foreach (var asset in assets)
        {
            var path = asset.RelativePath.Length == 0 ? asset.DataAssetName : asset.RelativePath + "/" + asset.DataAssetName;
            if (asset.Storage == StorageKind.Linked && !ArchiveLinks.IsArchiveLink(asset.LinkUri))
            {
                linked.Append(asset.DataAssetName).Append('\t').Append(asset.RelativePath).Append('\t').Append(asset.DataSize).Append('\t')
                    .Append(asset.DataChecksum).Append('\t').Append(asset.LinkUri).Append('\n');
                continue;
            }

            try
            {
                await using var source = await OpenAsync(asset.Storage, asset.BlobKey, asset.LinkUri, store, archives, ct);
                var entry = zip.CreateEntry(path, CompressionLevel.NoCompression);
                await using var target = await entry.OpenAsync(ct);
                await source.CopyToAsync(target, 1 << 20, ct);
            }
            catch (BlobNotFoundException)
            {
                // A zip that silently lacks a file is worse than no zip: cut the connection so the client sees a failure.
                logger.LogError("Zip of measurement {MeasurementId} aborted: the bytes of data asset {AssetId} are missing", id, asset.Id);
                http.Abort();
                return TypedResults.Empty;
            }
        }

        if (linked.Length > 40)
        {
            var entry = zip.CreateEntry("linked-assets.tsv", CompressionLevel.Optimal);
            await using var writer = new StreamWriter(await entry.OpenAsync(ct), new UTF8Encoding(false));
            await writer.WriteAsync(linked, ct);
        }

        return TypedResults.Empty;
    }

    /// <summary>Stored bytes from the blob store; archive links from the mounted archive (the same rule for both: readable record, complete asset).</summary>
    private static async Task<Stream> OpenAsync(StorageKind storage, string? blobKey, string? linkUri, IBlobStore store, ArchiveLinks archives, CancellationToken ct)
    {
        if (storage == StorageKind.Stored)
        {
            return await store.OpenReadAsync(blobKey!, ct);
        }

        return archives.OpenRead(linkUri!);
    }

    private static string ZipName(string measurementName)
    {
        var safe = new string(measurementName.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray()).Trim('_', '.');
        return (safe.Length == 0 ? "measurement" : safe[..Math.Min(safe.Length, 100)]) + ".zip";
    }
}
