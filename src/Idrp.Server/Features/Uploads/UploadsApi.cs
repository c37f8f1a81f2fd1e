using System.Globalization;
using Idrp.Domain.Access;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Extraction;
using Idrp.Infrastructure.Persistence;
using Idrp.Infrastructure.Storage;
using Idrp.Server.Access;
using Idrp.Server.Api;
using Idrp.Server.Features.DataAssets;
using Idrp.Server.Features.Previews;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Idrp.Server.Features.Uploads;

/// <summary>
/// Resumable uploads of stored data assets, by the tus 1.0 protocol (core, creation, checksum,
/// termination). A data asset becomes complete only here, once every byte is durably stored and its
/// SHA-256 (and MD5) match what the client declared.
/// </summary>
internal static class UploadsApi
{
    public static RouteGroupBuilder MapUploads(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/uploads").WithTags("Uploads")
            .AddEndpointFilter(async (context, next) =>
            {
                context.HttpContext.Response.Headers["Tus-Resumable"] = Tus.Version;
                if (!HttpMethods.IsOptions(context.HttpContext.Request.Method)
                    && context.HttpContext.Request.Headers["Tus-Resumable"] != Tus.Version)
                {
                    context.HttpContext.Response.Headers["Tus-Version"] = Tus.Version;
                    return Problems.Make(StatusCodes.Status412PreconditionFailed, "tus-version", "Unsupported tus version", $"Send 'Tus-Resumable: {Tus.Version}'.");
                }

                return await next(context);
            });
        group.MapMethods("/", [HttpMethods.Options], Discover).AllowAnonymous().WithName("DiscoverUploads")
            .WithSummary("tus discovery: version, extensions, checksum algorithms, maximum size.");
        group.MapPost("/", CreateUpload).WithName("CreateUpload")
            .WithSummary("Start an upload (tus creation): Upload-Length, and Upload-Metadata with assetId, or measurementId and filename (relativePath, checksum, mediaType optional).");
        group.MapMethods("/{id:guid}", [HttpMethods.Head], GetOffset).WithName("GetUploadOffset")
            .WithSummary("How many bytes of the upload are stored (Upload-Offset).");
        group.MapPatch("/{id:guid}", AppendToUpload).WithName("AppendToUpload")
            .WithMetadata(new Microsoft.AspNetCore.Mvc.DisableRequestSizeLimitAttribute())
            .WithSummary("Append bytes at Upload-Offset (Content-Type application/offset+octet-stream, optional Upload-Checksum).");
        group.MapDelete("/{id:guid}", TerminateUpload).WithName("TerminateUpload")
            .WithSummary("Abandon an upload and discard its bytes (tus termination).");

        // Not tus (no Tus-Resumable needed): which of your uploads of an asset can still be resumed, and from where.
        api.MapGet("/data-assets/{id:guid}/uploads", ListUnfinishedUploads).WithTags("Uploads").WithName("ListUnfinishedUploads")
            .WithSummary("Your unfinished uploads of a data asset (all of them for an admin): URL, offset, length, expiry.");
        return group;
    }

    private static async Task<Results<Ok<UnfinishedUploadsResponse>, ProblemHttpResult>> ListUnfinishedUploads(
        Guid id, AccessService access, IdrpDbContext db, UploadHashes hashes, TimeProvider clock, CancellationToken ct)
    {
        if (!await db.DataAssets.Where(access.Rules.CanReadDataAsset()).AnyAsync(a => a.Id == id, ct))
        {
            return Problems.NotFound("data asset", id);
        }

        var actor = access.Actor;
        var now = clock.GetUtcNow();
        var uploads = await db.Uploads.AsNoTracking()
            .Where(u => u.AssetId == id && u.State == UploadState.Active && u.ExpiresAt > now && (actor.IsAdmin || u.OwnerId == actor.PersonId))
            .OrderBy(u => u.Id)
            .Select(u => new { u.Id, u.Offset, u.Length, u.ExpiresAt, u.CreatedAt })
            .ToListAsync(ct);
        return TypedResults.Ok(new UnfinishedUploadsResponse([.. uploads.Select(u => new UnfinishedUploadResponse(
            u.Id, $"/api/v1/uploads/{u.Id}", Math.Max(u.Offset, hashes.WrittenOffset(u.Id) ?? 0), u.Length, u.ExpiresAt, u.CreatedAt))]));
    }

    private static NoContent Discover(HttpContext http, IOptions<StorageOptions> storage)
    {
        var headers = http.Response.Headers;
        headers["Tus-Version"] = Tus.Version;
        headers["Tus-Extension"] = Tus.Extensions;
        headers["Tus-Checksum-Algorithm"] = Tus.ChecksumAlgorithms;
        headers["Tus-Max-Size"] = storage.Value.MaxUploadBytes.ToString(CultureInfo.InvariantCulture);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Created, ProblemHttpResult>> CreateUpload(
        HttpContext http, AccessService access, IdrpDbContext db, IOptions<StorageOptions> storage, ArchiveLinks archives, TimeProvider clock,
        IBlobStore store, UploadHashes hashes, IServiceScopeFactory scopes, MetadataExtraction extraction, AutomaticThumbnails thumbnails, ILogger<Upload> logger, CancellationToken ct)
    {
        // tus creation-with-upload: a body of application/offset+octet-stream is the first chunk (for small files, all
        // of it), so that one request registers, stores, verifies and completes a file.
        var withData = string.Equals(http.Request.ContentType, Tus.OffsetContentType, StringComparison.OrdinalIgnoreCase);
        string? chunkAlgorithm = null;
        byte[] chunkExpected = [];
        if (withData && http.Request.Headers["Upload-Checksum"] is { Count: > 0 } checksumHeader
            && !Tus.TryParseChecksum(checksumHeader.ToString(), out chunkAlgorithm, out chunkExpected))
        {
            return Problems.Make(StatusCodes.Status400BadRequest, "bad-request", "Unsupported Upload-Checksum", $"Upload-Checksum is 'algorithm base64digest' with one of {Tus.ChecksumAlgorithms}.");
        }

        if (access.DenyReadOnlyToken() is { } readOnly)
        {
            return readOnly;
        }

        if (!long.TryParse(http.Request.Headers["Upload-Length"], NumberStyles.None, CultureInfo.InvariantCulture, out var length))
        {
            return Problems.Make(StatusCodes.Status400BadRequest, "bad-request", "Upload-Length missing", "Send the total size in bytes as Upload-Length (deferred lengths are not supported).");
        }

        if (length > storage.Value.MaxUploadBytes)
        {
            return Problems.Make(StatusCodes.Status413PayloadTooLarge, "too-large", "Upload too large", $"This server accepts uploads of at most {storage.Value.MaxUploadBytes} bytes.");
        }

        if (withData && http.Request.ContentLength > length)
        {
            return Problems.Make(StatusCodes.Status413PayloadTooLarge, "too-large", "More bytes than the upload's length", $"The upload is {length} bytes long.");
        }

        var metadata = Tus.ParseMetadata(http.Request.Headers["Upload-Metadata"]);
        if (metadata is null)
        {
            return Problems.Make(StatusCodes.Status400BadRequest, "bad-request", "Malformed Upload-Metadata", "Upload-Metadata is comma-separated 'key base64value' pairs.");
        }

        var (asset, problem) = await FindOrRegisterAssetAsync(metadata, length, access, db, archives, ct);
        if (problem is not null)
        {
            return problem;
        }

        if (asset!.Storage != StorageKind.Stored || asset.State != AssetState.Pending)
        {
            return Problems.Conflict(asset.Storage == StorageKind.Linked
                ? "This data asset is linked to an archive; its bytes are not uploaded."
                : "This data asset already has its data; register a new asset for new data.");
        }

        if (asset.DataSize is { } declared && declared != length)
        {
            return Problems.Invalid("Upload-Length", $"The data asset was registered with {declared} bytes, not {length}.");
        }

        if (asset.DataChecksum is { } checksum && !checksum.StartsWith("sha256:", StringComparison.Ordinal) && !checksum.StartsWith("md5:", StringComparison.Ordinal))
        {
            return Problems.Invalid("dataChecksum", "Uploads verify SHA-256 or MD5; register the asset with one of those.");
        }

        var upload = new Upload
        {
            AssetId = asset.Id,
            ProposalId = asset.ProposalId,
            OwnerId = access.Actor.PersonId!.Value,
            Length = length,
            State = UploadState.Active,
            StagingKey = "",
            ExpiresAt = clock.GetUtcNow() + storage.Value.UploadLifetime,
        };
        upload.StagingKey = BlobKeys.ForUpload(upload.Id);
        if (withData)
        {
            // Born leased to this request: nobody else can append before the body is in.
            upload.LeaseHolder = Guid.NewGuid();
            upload.LeaseUntil = clock.GetUtcNow() + storage.Value.UploadLease;
        }

        db.Uploads.Add(upload);
        await db.SaveChangesAsync(ct);

        var location = $"/api/v1/uploads/{upload.Id}";
        http.Response.Headers.Location = location;
        http.Response.Headers["Upload-Offset"] = "0";
        http.Response.Headers["Upload-Expires"] = upload.ExpiresAt.ToString("R", CultureInfo.InvariantCulture);
        http.Response.Headers["X-Idrp-Asset-Id"] = asset.Id.ToString();
        if (withData)
        {
            var appended = await AppendLeasedAsync(upload, upload.LeaseHolder!.Value, 0, chunkAlgorithm, chunkExpected, http, db, store, hashes, clock, storage.Value, scopes, extraction, thumbnails, logger, ct);
            if (appended is not null)
            {
                return appended;
            }
        }

        return TypedResults.Created(location);
    }

    private static async Task<Results<Ok, ProblemHttpResult>> GetOffset(
        Guid id, HttpContext http, AccessService access, IdrpDbContext db, IBlobStore store, UploadHashes hashes, TimeProvider clock, IOptions<StorageOptions> storage,
        MetadataExtraction extraction, AutomaticThumbnails thumbnails, ILogger<Upload> logger, CancellationToken ct)
    {
        var upload = await FindAsync(id, access, db, ct);
        if (upload is null)
        {
            return Problems.NotFound("upload", id);
        }

        // A server that died between storing the last byte and recording the asset as complete left the
        // upload full but unfinished; a client seeing offset == length would stop here, so finish it now.
        if (upload.State == UploadState.Active && upload.Offset == upload.Length
            && await TryLeaseAsync(db, upload.Id, clock, storage.Value.UploadLease, ct) is { } holder)
        {
            try
            {
                var state = await hashes.AtAsync(upload.Id, upload.StagingKey, upload.Offset, store, ct);
                await FinishAsync(upload, state, db, store, extraction, thumbnails, logger, ct);
                hashes.Forget(upload.Id);
            }
            finally
            {
                await ReleaseLeaseAsync(db, upload.Id, holder);
            }
        }

        // Bytes this server wrote past the durable offset are there as long as it runs: the client need not send them again.
        SetOffsetHeaders(http, upload, upload.State == UploadState.Active ? Math.Max(upload.Offset, hashes.WrittenOffset(upload.Id) ?? 0) : null);
        var expired = upload.State == UploadState.Active && upload.ExpiresAt <= clock.GetUtcNow();
        return upload.State switch
        {
            UploadState.Active when !expired => TypedResults.Ok(),
            UploadState.Completed => TypedResults.Ok(),
            _ => Problems.Make(StatusCodes.Status410Gone, "upload-gone", "Upload gone", upload.Failure ?? (expired ? "The upload expired; start it again." : "The upload was terminated.")),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> AppendToUpload(
        Guid id, HttpContext http, AccessService access, IdrpDbContext db, IBlobStore store, UploadHashes hashes,
        TimeProvider clock, IOptions<StorageOptions> storage, IServiceScopeFactory scopes, MetadataExtraction extraction, AutomaticThumbnails thumbnails, ILogger<Upload> logger, CancellationToken ct)
    {
        var request = http.Request;
        if (!string.Equals(request.ContentType, Tus.OffsetContentType, StringComparison.OrdinalIgnoreCase))
        {
            return Problems.Make(StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "Wrong content type", $"Send the bytes as {Tus.OffsetContentType}.");
        }

        if (!long.TryParse(request.Headers["Upload-Offset"], NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
        {
            return Problems.Make(StatusCodes.Status400BadRequest, "bad-request", "Upload-Offset missing", "Send the offset the bytes start at as Upload-Offset.");
        }

        string? chunkAlgorithm = null;
        byte[] chunkExpected = [];
        if (request.Headers["Upload-Checksum"] is { Count: > 0 } checksumHeader
            && !Tus.TryParseChecksum(checksumHeader.ToString(), out chunkAlgorithm, out chunkExpected))
        {
            return Problems.Make(StatusCodes.Status400BadRequest, "bad-request", "Unsupported Upload-Checksum", $"Upload-Checksum is 'algorithm base64digest' with one of {Tus.ChecksumAlgorithms}.");
        }

        var upload = await FindAsync(id, access, db, ct);
        if (upload is null)
        {
            return Problems.NotFound("upload", id);
        }

        if (access.DenyReadOnlyToken() is { } readOnly)
        {
            return readOnly;
        }

        if (upload.State != UploadState.Active || upload.ExpiresAt <= clock.GetUtcNow())
        {
            SetOffsetHeaders(http, upload);
            return Problems.Make(StatusCodes.Status410Gone, "upload-gone", "Upload gone", upload.Failure ?? "The upload is finished, expired or was terminated.");
        }

        // The offset the bytes may start at: the durable one in the database, or, on the server that wrote them,
        // the end of bytes written since (not yet durable; see AppendLeasedAsync).
        var written = hashes.WrittenOffset(upload.Id);
        if (offset != upload.Offset && (written is null || written <= upload.Offset || offset != written))
        {
            SetOffsetHeaders(http, upload);
            return Problems.Conflict($"The upload has {upload.Offset} bytes stored; send the bytes from there (HEAD tells the offset).");
        }

        var remaining = upload.Length - offset;
        if (request.ContentLength > remaining)
        {
            return Problems.Make(StatusCodes.Status413PayloadTooLarge, "too-large", "More bytes than the upload's length", $"Only {remaining} bytes remain of this upload.");
        }

        if (await TryLeaseAsync(db, upload.Id, clock, storage.Value.UploadLease, ct) is not { } holder)
        {
            return Problems.Make(StatusCodes.Status423Locked, "upload-locked", "Upload busy", "Another request is appending to this upload; retry after it ends (HEAD tells the offset).");
        }

        return await AppendLeasedAsync(upload, holder, offset, chunkAlgorithm, chunkExpected, http, db, store, hashes, clock, storage.Value, scopes, extraction, thumbnails, logger, ct)
            ?? (Results<NoContent, ProblemHttpResult>)TypedResults.NoContent();
    }

    /// <summary>
    /// Appends the request body at <paramref name="offset"/> to an upload whose lease <paramref name="holder"/> holds,
    /// and releases the lease. Sets the offset headers; returns a problem, or null when the bytes are in.
    /// </summary>
    /// <remarks>
    /// The database's offset is a claim that the bytes are durable, so it moves only with an append that made them
    /// so: the last one (before the checksum check and completion), one the client broke off, or one that would leave
    /// more than <see cref="StorageOptions.UploadSyncBytes"/> pending. Appends between write without waiting for the
    /// disk; their end is known only to this server's hash cache, which accepts the next chunk there. A server that
    /// dies loses that cache, and the client resumes from the durable offset (bytes past it are overwritten).
    /// </remarks>
    private static async Task<ProblemHttpResult?> AppendLeasedAsync(
        Upload upload, Guid holder, long offset, string? chunkAlgorithm, byte[] chunkExpected, HttpContext http, IdrpDbContext db, IBlobStore store,
        UploadHashes hashes, TimeProvider clock, StorageOptions storage, IServiceScopeFactory scopes, MetadataExtraction extraction, AutomaticThumbnails thumbnails, ILogger logger, CancellationToken ct)
    {
        var request = http.Request;
        var remaining = upload.Length - offset;
        var durable = request.ContentLength is not { } declared || declared >= remaining || offset + declared - upload.Offset >= storage.UploadSyncBytes;
        using var renewal = new CancellationTokenSource();
        var renewing = RenewLeaseAsync(scopes, upload.Id, holder, clock, storage.UploadLease, renewal.Token);
        long end;
        try
        {
            if (await DeclareDigestAsync(upload, request, db, ct) is { } undeclared)
            {
                SetOffsetHeaders(http, upload, Math.Max(upload.Offset, hashes.WrittenOffset(upload.Id) ?? 0));
                return undeclared;
            }

            var state = await hashes.AtAsync(upload.Id, upload.StagingKey, offset, store, ct);
            using var chunkHash = chunkAlgorithm is null ? null : ChunkChecksum.For(chunkAlgorithm);
            var result = await store.AppendAsync(upload.StagingKey, offset, request.Body, remaining, data =>
            {
                chunkHash?.Append(data.Span);
                return state.Append(data);
            }, durable, ct);

            if (chunkHash is not null && (result.Interrupted || !chunkHash.Matches(chunkExpected)))
            {
                // The bad bytes go; those before them stay. When some of those were still pending, they are made
                // durable here (cut at the chunk's start and synced), so that the client resends only this chunk.
                state.Dispose();
                hashes.Forget(upload.Id);
                if (offset > upload.Offset)
                {
                    await store.AppendAsync(upload.StagingKey, offset, Stream.Null, 0, observer: null, durable: true, CancellationToken.None);
                    upload.Offset = offset;
                    await db.SaveChangesAsync(CancellationToken.None);
                }

                SetOffsetHeaders(http, upload);
                return Problems.Make(Tus.ChecksumMismatch, "checksum-mismatch", "Checksum mismatch",
                    result.Interrupted ? "The chunk did not arrive whole; send it again." : $"The chunk's {chunkAlgorithm} does not match Upload-Checksum; send it again.");
            }

            end = offset + result.Appended;
            if (result.Durable)
            {
                upload.Offset = end;
                if (end != upload.Length)
                {
                    // The last append's offset is saved with the upload's completion, in one commit.
                    await db.SaveChangesAsync(CancellationToken.None);
                }
            }

            if (end == upload.Length)
            {
                if (!result.Durable)
                {
                    throw new InvalidOperationException($"Upload {upload.Id}: the last append was not made durable.");
                }

                var problem = await FinishAsync(upload, state, db, store, extraction, thumbnails, logger, CancellationToken.None);
                state.Dispose();
                hashes.Forget(upload.Id);
                if (problem is not null)
                {
                    SetOffsetHeaders(http, upload);
                    return problem;
                }
            }
            else
            {
                hashes.Keep(upload.Id, state);
            }

            if (result.Interrupted)
            {
                logger.LogInformation("Upload {UploadId} interrupted at {Offset} of {Length} bytes", upload.Id, end, upload.Length);
            }
        }
        finally
        {
            await renewal.CancelAsync();
            await renewing;
            if (upload.State == UploadState.Active)
            {
                // A finished upload takes no more appends; its lease needs no release (one write less per file).
                await ReleaseLeaseAsync(db, upload.Id, holder);
            }
        }

        SetOffsetHeaders(http, upload, end);
        return null;
    }

    /// <summary>
    /// <c>Repr-Digest: sha-256=:…:</c> on an append declares the SHA-256 of the whole upload, for a client that hashes
    /// the file while it sends it rather than before it registers the asset (the CLI, for files of more than one
    /// chunk): it sends the header with the last chunk. The checksum goes on the asset, and is saved, before the bytes
    /// are taken, so that the completion (by this request, or by a HEAD after a restart) checks the bytes against
    /// it. An asset registered with another checksum keeps it: the request is refused. Null when there is nothing to
    /// refuse.
    /// </summary>
    private static async Task<ProblemHttpResult?> DeclareDigestAsync(Upload upload, HttpRequest request, IdrpDbContext db, CancellationToken ct)
    {
        if (request.Headers["Repr-Digest"] is not { Count: > 0 } header)
        {
            return null;
        }

        var (digest, problem) = DigestHeaders.ParseSha256(header.ToString(), "Repr-Digest");
        if (problem is not null)
        {
            return Problems.Make(StatusCodes.Status400BadRequest, "bad-request", "Malformed Repr-Digest", problem);
        }

        var checksum = "sha256:" + Convert.ToHexStringLower(digest!);
        var asset = await db.DataAssets.FirstAsync(a => a.Id == upload.AssetId, ct);
        if (asset.DataChecksum == checksum)
        {
            return null;
        }

        if (asset.DataChecksum is not null)
        {
            return Problems.Conflict($"The data asset was registered with {asset.DataChecksum}; Repr-Digest declares {checksum}. Nothing was appended.");
        }

        asset.DataChecksum = checksum;
        await db.SaveChangesAsync(ct);
        return null;
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> TerminateUpload(
        Guid id, AccessService access, IdrpDbContext db, IBlobStore store, UploadHashes hashes, TimeProvider clock, IOptions<StorageOptions> storage, CancellationToken ct)
    {
        var upload = await FindAsync(id, access, db, ct);
        if (upload is null)
        {
            return Problems.NotFound("upload", id);
        }

        if (upload.State != UploadState.Active)
        {
            return Problems.Make(StatusCodes.Status410Gone, "upload-gone", "Upload gone", "The upload is finished or was terminated.");
        }

        if (await TryLeaseAsync(db, upload.Id, clock, storage.Value.UploadLease, ct) is not { } holder)
        {
            return Problems.Make(StatusCodes.Status423Locked, "upload-locked", "Upload busy", "A request is appending to this upload; retry after it ends.");
        }

        try
        {
            upload.State = UploadState.Terminated;
            await db.SaveChangesAsync(ct);
            await store.DeleteStagingAsync(upload.StagingKey, ct);
            hashes.Forget(upload.Id);
        }
        finally
        {
            await ReleaseLeaseAsync(db, upload.Id, holder);
        }

        return TypedResults.NoContent();
    }

    /// <summary>
    /// All bytes are staged: compare checksums with what the client declared; on a match the staged bytes
    /// become the asset's blob and the asset complete, in that order, so that a complete asset always has its data.
    /// </summary>
    private static async Task<ProblemHttpResult?> FinishAsync(
        Upload upload, UploadHashState state, IdrpDbContext db, IBlobStore store, MetadataExtraction extraction, AutomaticThumbnails thumbnails, ILogger logger, CancellationToken ct)
    {
        var sha256 = Convert.ToHexStringLower(state.Hashes.Sha256AndReset());
        var md5 = Convert.ToHexStringLower(state.Hashes.Md5AndReset());
        var asset = await db.DataAssets.FirstAsync(a => a.Id == upload.AssetId, ct);
        var declared = asset.DataChecksum;
        var matches = declared is null || declared == "sha256:" + sha256 || declared == "md5:" + md5;
        if (!matches || asset.State == AssetState.Complete)
        {
            upload.State = UploadState.Failed;
            upload.Failure = matches
                ? "Another upload completed this data asset first."
                : $"The bytes do not match the declared checksum {declared}: their SHA-256 is {sha256} and their MD5 {md5}. Nothing was kept; check the file and upload it again.";
            await db.SaveChangesAsync(ct);
            await store.DeleteStagingAsync(upload.StagingKey, ct);
            return matches
                ? Problems.Conflict(upload.Failure)
                : Problems.Make(StatusCodes.Status422UnprocessableEntity, "checksum-mismatch", "Checksum mismatch", upload.Failure);
        }

        var blobKey = BlobKeys.ForAsset(asset.Id);
        if (upload.Length == 0)
        {
            // An empty file never had an append to create its staging area.
            await store.AppendAsync(upload.StagingKey, 0, Stream.Null, 0, observer: null, durable: true, ct);
        }

        await store.CommitAsync(upload.StagingKey, blobKey, ct);
        asset.BlobKey = blobKey;
        asset.DataSize = upload.Length;
        asset.DataChecksum = "sha256:" + sha256;
        asset.Md5 = md5;
        asset.State = AssetState.Complete;
        upload.State = UploadState.Completed;
        await db.SaveChangesAsync(ct);
        await ExtractMetadataAsync(asset, db, store, extraction, logger, ct);
        await thumbnails.RequestAsync(asset.MeasurementId, [asset], ct);
        return null;
    }

    /// <summary>
    /// Reads what the file says about itself into the asset (technical metadata) and the measurement (instrument
    /// settings it does not have yet). The asset is already complete: extraction failing never undoes an upload.
    /// </summary>
    private static async Task ExtractMetadataAsync(DataAsset asset, IdrpDbContext db, IBlobStore store, MetadataExtraction extraction, ILogger logger, CancellationToken ct)
    {
        try
        {
            ExtractionResult result;
            await using (var stream = await store.OpenReadAsync(asset.BlobKey!, ct))
            {
                result = extraction.Extract(stream, asset.DataAssetName, ct);
            }

            await AssetExtraction.ApplyAsync(asset, result, db, ct);

            await db.SaveChangesAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Metadata extraction of data asset {AssetId} failed; the asset is complete without it", asset.Id);
        }
    }

    private static async Task<(DataAsset? Asset, ProblemHttpResult? Problem)> FindOrRegisterAssetAsync(
        Dictionary<string, string> metadata, long length, AccessService access, IdrpDbContext db, ArchiveLinks archives, CancellationToken ct)
    {
        if (metadata.TryGetValue("assetId", out var assetText))
        {
            if (!Guid.TryParse(assetText, out var assetId))
            {
                return (null, Problems.Invalid("Upload-Metadata.assetId", "assetId is not an id."));
            }

            var asset = await db.DataAssets.Where(access.Rules.CanReadDataAsset()).AsNoTracking().FirstOrDefaultAsync(a => a.Id == assetId, ct);
            if (asset is null)
            {
                return (null, Problems.NotFound("data asset", assetId));
            }

            return await access.DenyUnlessAsync(asset.ProposalId, ProposalAccess.Member, "upload data", ct) is { } denied
                ? (null, denied)
                : (asset, null);
        }

        if (!metadata.TryGetValue("measurementId", out var measurementText) || !Guid.TryParse(measurementText, out var measurementId)
            || !metadata.TryGetValue("filename", out var filename))
        {
            return (null, Problems.Invalid("Upload-Metadata", "Name the data asset (assetId), or the measurement and file (measurementId, filename)."));
        }

        var request = new CreateDataAssetRequest(
            measurementId, filename, metadata.GetValueOrDefault("relativePath"), length, metadata.GetValueOrDefault("checksum"),
            MediaType: metadata.GetValueOrDefault("mediaType"));
        if (Edits.Validate(request) is { } invalid)
        {
            return (null, invalid);
        }

        return await DataAssetsApi.RegisterAsync(request, access, db, archives, ct);
    }

    /// <summary>The owner's (or an admin's) upload; others' uploads do not exist for the caller.</summary>
    private static Task<Upload?> FindAsync(Guid id, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        var actor = access.Actor;
        return db.Uploads.FirstOrDefaultAsync(u => u.Id == id && (actor.IsAdmin || u.OwnerId == actor.PersonId), ct);
    }

    private static void SetOffsetHeaders(HttpContext http, Upload upload, long? offset = null)
    {
        http.Response.Headers["Upload-Offset"] = (offset ?? upload.Offset).ToString(CultureInfo.InvariantCulture);
        http.Response.Headers["Upload-Length"] = upload.Length.ToString(CultureInfo.InvariantCulture);
        http.Response.Headers.CacheControl = "no-store";
    }

    /// <summary>Takes the upload's lease in one conditional update; null when another request holds it.</summary>
    internal static async Task<Guid?> TryLeaseAsync(IdrpDbContext db, Guid uploadId, TimeProvider clock, TimeSpan lease, CancellationToken ct)
    {
        var holder = Guid.NewGuid();
        var now = clock.GetUtcNow();
        var until = now + lease;
        var taken = await db.Uploads
            .Where(u => u.Id == uploadId && (u.LeaseUntil == null || u.LeaseUntil < now))
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.LeaseUntil, until).SetProperty(u => u.LeaseHolder, holder), ct);
        return taken == 1 ? holder : null;
    }

    internal static Task ReleaseLeaseAsync(IdrpDbContext db, Guid uploadId, Guid holder) =>
        db.Uploads.Where(u => u.Id == uploadId && u.LeaseHolder == holder)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.LeaseUntil, (DateTimeOffset?)null).SetProperty(u => u.LeaseHolder, (Guid?)null));

    /// <summary>Keeps the lease alive while a long append streams; runs on its own scope (a DbContext is not shared across threads).</summary>
    private static async Task RenewLeaseAsync(IServiceScopeFactory scopes, Guid uploadId, Guid holder, TimeProvider clock, TimeSpan lease, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(lease / 3, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<IdrpDbContext>();
                var until = clock.GetUtcNow() + lease;
                await db.Uploads.Where(u => u.Id == uploadId && u.LeaseHolder == holder)
                    .ExecuteUpdateAsync(s => s.SetProperty(u => u.LeaseUntil, until), ct);
            }
        }
        catch (OperationCanceledException)
        {
            // The append ended.
        }
    }
}

/// <summary>An upload that can still be resumed: HEAD or PATCH its <paramref name="Url"/> (tus) from <paramref name="Offset"/>.</summary>
internal sealed record UnfinishedUploadResponse(Guid Id, string Url, long Offset, long Length, DateTimeOffset ExpiresAt, DateTimeOffset CreatedAt);

internal sealed record UnfinishedUploadsResponse(IReadOnlyList<UnfinishedUploadResponse> Items);
