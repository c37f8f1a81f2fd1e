using System.Security.Cryptography;
using Idrp.Domain.Access;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Extraction;
using Idrp.Infrastructure.Persistence;
using Idrp.Infrastructure.Storage;
using Idrp.Server.Access;
using Idrp.Server.Api;
using Idrp.Server.Features.Previews;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Idrp.Server.Features.Uploads;

/// <summary>
/// Many small files in one request: <c>POST /measurements/{id}/files</c> with a multipart/form-data body, one
/// "file" part per file (its filename the path in the measurement, its Content-Digest the SHA-256 the client
/// read). Every file is staged and verified, then all of them are made durable together and recorded as complete
/// data assets in one commit. Per file this costs a few system calls and a row, where a tus upload costs requests,
/// commits and a disk flush of its own; tus remains the way for large files, which need resuming mid-file.
/// </summary>
/// <remarks>
/// All or nothing per request, file by file in the answer: a file that is refused (hostile name, wrong digest,
/// too large, in conflict) is reported and left out; the others are stored. If the request breaks off, or the
/// commit fails, nothing of it is recorded and its staged bytes are deleted, so the client sends the batch again;
/// files it already stored are then reported as skipped.
/// </remarks>
internal static class BatchUploadsApi
{
    public static RouteGroupBuilder MapBatchUploads(this RouteGroupBuilder api)
    {
        api.MapPost("/measurements/{id:guid}/files", UploadFiles).WithTags("Uploads").WithName("UploadFiles")
            .Accepts<IFormFile>("multipart/form-data")
            .WithSummary("Store many small files in a measurement in one request (multipart/form-data; each part a file, filename = path, Content-Digest: sha-256=:…:).");
        return api;
    }

    private static async Task<Results<Ok<BatchUploadResponse>, ProblemHttpResult>> UploadFiles(
        Guid id, HttpContext http, AccessService access, IdrpDbContext db, IBlobStore store, MetadataExtraction extraction,
        IOptions<StorageOptions> storageOptions, AutomaticThumbnails thumbnails, ILogger<BatchUpload> logger, CancellationToken ct)
    {
        var options = storageOptions.Value;
        var measurement = await db.Measurements.Where(access.Rules.CanReadMeasurement()).FirstOrDefaultAsync(m => m.Id == id, ct);
        if (measurement is null)
        {
            return Problems.NotFound("measurement", id);
        }

        if (await access.DenyUnlessAsync(measurement.ProposalId, ProposalAccess.Member, "add data assets", ct) is { } denied)
        {
            return denied;
        }

        if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var contentType)
            || !contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(contentType.Boundary).Value is not { Length: > 0 } boundary)
        {
            return Problems.Make(StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "Wrong content type",
                "Send the files as multipart/form-data, one part named 'file' per file.");
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = options.BatchMaxBytes;
        }

        var files = new List<BatchFile>();
        var recorded = false;
        try
        {
            var problem = await StageAsync(new MultipartReader(boundary, http.Request.Body, bufferSize: 64 * 1024), files, store, options, ct);
            if (problem is not null)
            {
                return problem;
            }

            await DecideAsync(files, measurement, db, ct);
            var accepted = files.Where(f => f.Accepted).ToList();
            if (accepted.Count > 0)
            {
                await store.FlushStagingAsync([.. accepted.Select(f => f.StagingKey)], ct);
                foreach (var file in accepted)
                {
                    await ExtractAsync(file, db, store, extraction, logger, ct);
                }

                foreach (var file in accepted)
                {
                    await store.CommitAsync(file.StagingKey, file.Asset!.BlobKey!, ct);
                    file.Committed = true;
                }

                // One commit makes every accepted file a complete asset (and reindexes the measurement once).
                await db.SaveChangesAsync(ct);
            }

            recorded = true;
        }
        catch (DbUpdateConcurrencyException)
        {
            return Problems.Conflict("Some of these data assets changed while the batch was stored (another upload completed one); send the batch again.");
        }
        finally
        {
            // Whatever is not recorded goes: refused and skipped files' staging, or, when the batch failed, all of it.
            await DiscardAsync(files, store, everything: !recorded);
        }

        await thumbnails.RequestAsync(id, files.Where(f => f.Accepted).Select(f => f.Asset!), ct);
        return TypedResults.Ok(new BatchUploadResponse(id, [.. files.Select(f => f.ToResponse())]));
    }

    /// <summary>Reads the parts in order, staging each file's bytes while hashing them; returns a problem for a body that is not a batch.</summary>
    private static async Task<ProblemHttpResult?> StageAsync(MultipartReader reader, List<BatchFile> files, IBlobStore store, StorageOptions options, CancellationToken ct)
    {
        var paths = new HashSet<string>(StringComparer.Ordinal);
        MultipartSection? section;
        while ((section = await ReadSectionAsync(reader, ct)) is not null)
        {
            if (files.Count == options.BatchMaxFiles)
            {
                return Problems.Make(StatusCodes.Status413PayloadTooLarge, "too-large", "Too many files",
                    $"A batch holds at most {options.BatchMaxFiles} files; send the rest in another.");
            }

            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                || !disposition.IsFileDisposition() || !string.Equals(HeaderUtilities.RemoveQuotes(disposition.Name).Value, "file", StringComparison.Ordinal))
            {
                return Problems.Invalid("file", "Every part is a file: Content-Disposition: form-data; name=\"file\"; filename=\"folder/name\".");
            }

            var path = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value ?? "";
            var file = new BatchFile(path);
            files.Add(file);
            file.Problem = ParsePath(file) ?? (paths.Add(file.Key) ? null : "The batch has this path twice.");
            byte[]? declared = null;
            if (file.Problem is null)
            {
                (declared, file.Problem) = DigestHeaders.ParseSha256(section.Headers?.GetValueOrDefault("Content-Digest").ToString(), "Content-Digest");
            }

            if (file.Problem is not null)
            {
                continue; // The reader skips the rest of the part.
            }

            file.MediaType = section.ContentType is { } type && !type.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase) ? type : null;
            file.StagingKey = BlobKeys.ForUpload(Guid.CreateVersion7());
            using var hashes = new ContentHashes();
            var staged = await store.AppendAsync(file.StagingKey, 0, section.Body, options.BatchMaxFileBytes + 1, data =>
            {
                hashes.Append(data);
                file.KeepHead(data.Span);
                return Task.CompletedTask;
            }, durable: false, ct);
            file.Staged = true;
            if (staged.Interrupted)
            {
                return Problems.Make(StatusCodes.Status400BadRequest, "bad-request", "Incomplete batch",
                    $"The request ended inside the file '{path}'; nothing of this batch was stored. Send it again.");
            }

            if (staged.Appended > options.BatchMaxFileBytes)
            {
                file.Problem = $"Files in a batch are at most {options.BatchMaxFileBytes} bytes; upload this one on its own (tus).";
                file.Code = "too-large";
                continue;
            }

            file.Length = staged.Appended;
            file.Sha256 = hashes.Sha256AndReset();
            file.Md5 = Convert.ToHexStringLower(hashes.Md5AndReset());
            if (declared is not null && !CryptographicOperations.FixedTimeEquals(declared, file.Sha256))
            {
                file.Problem = $"The bytes do not match the declared Content-Digest: their SHA-256 is {Convert.ToHexStringLower(file.Sha256)}. Nothing was kept; check the file and send it again.";
                file.Code = "checksum-mismatch";
            }
        }

        return null;
    }

    private static async Task<MultipartSection?> ReadSectionAsync(MultipartReader reader, CancellationToken ct)
    {
        try
        {
            return await reader.ReadNextSectionAsync(ct);
        }
        catch (IOException e) when (e.InnerException is null || e.InnerException is not OperationCanceledException)
        {
            throw new BadHttpRequestException("The multipart body is malformed or ended early: " + e.Message);
        }
    }

    /// <summary>The part's filename is the file's path in the measurement: folders, then the name, as uploads take them.</summary>
    private static string? ParsePath(BatchFile file)
    {
        // '/' separates folders; a backslash is part of a name (and refused there), as everywhere else in the API.
        var path = file.Path;
        var cut = path.LastIndexOf('/');
        var name = SafePath.NormaliseName(cut < 0 ? path : path[(cut + 1)..]);
        if (SafePath.ProblemWithName(name) is { } nameProblem)
        {
            return nameProblem;
        }

        if (SafePath.NormaliseFolder(cut < 0 ? "" : path[..cut], out var folderProblem) is not { } folder)
        {
            return folderProblem;
        }

        file.Name = name;
        file.Folder = folder;
        return null;
    }

    /// <summary>Matches the staged files with the measurement's assets: new, completing a pending one, already there, or in conflict.</summary>
    private static async Task DecideAsync(List<BatchFile> files, Measurement measurement, IdrpDbContext db, CancellationToken ct)
    {
        var names = files.Where(f => f.Problem is null).Select(f => f.Name).Distinct().ToList();
        var existing = names.Count == 0 ? [] : await db.DataAssets
            .Where(a => a.MeasurementId == measurement.Id && names.Contains(a.DataAssetName))
            .ToListAsync(ct);
        var byKey = existing.ToLookup(a => BatchFile.KeyOf(a.RelativePath, a.DataAssetName), StringComparer.Ordinal);
        foreach (var file in files.Where(f => f.Problem is null))
        {
            var sha256 = "sha256:" + Convert.ToHexStringLower(file.Sha256);
            var asset = byKey[file.Key].FirstOrDefault();
            if (asset is null)
            {
                asset = new DataAsset
                {
                    MeasurementId = measurement.Id,
                    ProposalId = measurement.ProposalId,
                    DataAssetName = file.Name,
                    RelativePath = file.Folder,
                    MediaType = file.MediaType,
                    Storage = StorageKind.Stored,
                };
                db.DataAssets.Add(asset);
            }
            else if (asset.State == AssetState.Complete && asset.DataChecksum == sha256)
            {
                file.Skipped = true;
                file.Asset = asset;
                continue;
            }
            else if (asset.Storage != StorageKind.Stored || asset.State == AssetState.Complete)
            {
                file.Problem = $"The measurement already has this file as a {asset.State.ToString().ToLowerInvariant()} {asset.Storage.ToString().ToLowerInvariant()} asset with {asset.DataChecksum ?? "no checksum"}; delete it or rename the file.";
                file.Code = "conflict";
                file.Asset = asset;
                continue;
            }
            else if ((asset.DataChecksum is { } declared && declared != sha256 && declared != "md5:" + file.Md5)
                || (asset.DataSize is { } size && size != file.Length))
            {
                file.Problem = $"The data asset was registered with {asset.DataSize?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no"} bytes and {asset.DataChecksum ?? "no checksum"}; these bytes are {file.Length} with {sha256}.";
                file.Code = "checksum-mismatch";
                file.Asset = asset;
                continue;
            }

            asset.BlobKey = BlobKeys.ForAsset(asset.Id);
            asset.DataSize = file.Length;
            asset.DataChecksum = sha256;
            asset.Md5 = file.Md5;
            asset.State = AssetState.Complete;
            file.Asset = asset;
            file.Accepted = true;
        }
    }

    private static async Task ExtractAsync(BatchFile file, IdrpDbContext db, IBlobStore store, MetadataExtraction extraction, ILogger logger, CancellationToken ct)
    {
        if (!extraction.Reads(file.Name, file.Head))
        {
            // Most files of a batch (frames, tiles, raw data) are no kind an extractor reads: say so without reading them again.
            AssetExtraction.Apply(file.Asset!, MetadataExtraction.Unread(), measurement: null);
            return;
        }

        try
        {
            await using var stream = await store.OpenStagingAsync(file.StagingKey, file.Length, ct);
            await using var seekable = stream.CanSeek ? stream : await BufferAsync(stream, ct);
            await AssetExtraction.ApplyAsync(file.Asset!, extraction.Extract(seekable, file.Name, ct), db, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Metadata extraction of {Path} failed; the asset is complete without it", file.Key);
        }
    }

    /// <summary>Object stores' staging is not seekable; batch files are small, so a copy in memory does.</summary>
    private static async Task<Stream> BufferAsync(Stream stream, CancellationToken ct)
    {
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy, ct);
        copy.Position = 0;
        return copy;
    }

    /// <summary>Removes staged bytes nobody will commit (refused or skipped files; with <paramref name="everything"/>, the whole batch's).</summary>
    private static async Task DiscardAsync(List<BatchFile> files, IBlobStore store, bool everything)
    {
        foreach (var file in files.Where(f => f.Staged && (!f.Accepted || everything)))
        {
            try
            {
                if (file.Committed)
                {
                    await store.DeleteAsync(file.Asset!.BlobKey!, CancellationToken.None);
                }
                else
                {
                    await store.DeleteStagingAsync(file.StagingKey, CancellationToken.None);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left for the operator's storage audit; the database does not refer to it.
            }
        }
    }
}

/// <summary>One file of a batch as it goes through staging, checks and commit.</summary>
internal sealed class BatchFile(string path)
{
    public string Path { get; } = path;

    public string Name { get; set; } = "";

    public string Folder { get; set; } = "";

    public string Key => KeyOf(Folder, Name);

    public string? MediaType { get; set; }

    public string StagingKey { get; set; } = "";

    public bool Staged { get; set; }

    public long Length { get; set; }

    public byte[] Sha256 { get; set; } = [];

    public string Md5 { get; set; } = "";

    public string? Problem { get; set; }

    public string Code { get; set; } = "invalid";

    public bool Accepted { get; set; }

    public bool Skipped { get; set; }

    public bool Committed { get; set; }

    public DataAsset? Asset { get; set; }

    /// <summary>The file's first bytes, by which extractors recognise the kinds they read.</summary>
    public byte[] Head { get; private set; } = [];

    public void KeepHead(ReadOnlySpan<byte> data)
    {
        if (Head.Length < MetadataExtraction.HeadBytes)
        {
            Head = [.. Head, .. data[..Math.Min(data.Length, MetadataExtraction.HeadBytes - Head.Length)]];
        }
    }

    public static string KeyOf(string folder, string name) => folder.Length == 0 ? name : folder + "/" + name;

    public BatchUploadItem ToResponse() => new(
        Path,
        Problem is not null ? "failed" : Skipped ? "skipped" : "stored",
        Asset?.Id,
        Problem is null ? Asset?.DataChecksum : null,
        Problem is null ? null : new BatchUploadError(Code, Problem));
}

/// <summary>Category for the batch upload's log lines.</summary>
internal sealed class BatchUpload;

/// <summary>What became of each file of a batch, in the order sent: <c>stored</c> (complete now), <c>skipped</c> (already complete with these bytes) or <c>failed</c>.</summary>
internal sealed record BatchUploadResponse(Guid MeasurementId, IReadOnlyList<BatchUploadItem> Items);

internal sealed record BatchUploadItem(string Path, string Status, Guid? AssetId, string? DataChecksum, BatchUploadError? Error);

internal sealed record BatchUploadError(string Code, string Detail);
