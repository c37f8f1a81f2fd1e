using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Idrp.Domain.Access;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Idrp.Infrastructure.Persistence.Configurations;
using Idrp.Infrastructure.Storage;
using Idrp.Server.Access;
using Idrp.Server.Api;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Idrp.Server.Features.DataAssets;

/// <summary>
/// A data asset. <c>hasData</c> is true only when every byte is stored (or linked) and its checksum
/// verified; until then the record is metadata only.
/// </summary>
public sealed record DataAssetResponse(
    Guid Id, Guid MeasurementId, Guid ProposalId, string DataAssetName, string RelativePath, long? DataSize, string? DataChecksum,
    DateTimeOffset? DateOfCollection, string? IntellectualPropertyRights, string? MediaType, StorageKind Storage, AssetState State,
    bool HasData, string? LinkUri, JsonElement? ExtractedMetadata, DateTimeOffset? FixityCheckedAt, string? FixityStatus,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, long Version);

/// <summary>Editable descriptive fields; size, checksum and storage are facts about the bytes and fixed once registered.</summary>
public record DataAssetUpdate(
    [property: Required] string DataAssetName,
    string? RelativePath = null,
    DateTimeOffset? DateOfCollection = null,
    [property: StringLength(Limits.Name)] string? IntellectualPropertyRights = null,
    [property: StringLength(Limits.Code)] string? MediaType = null) : IValidatableObject
{
    public virtual IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (SafePath.ProblemWithName(DataAssetName is null ? null : SafePath.NormaliseName(DataAssetName)) is { } nameProblem)
        {
            yield return new ValidationResult(nameProblem, [nameof(DataAssetName)]);
        }

        if (SafePath.NormaliseFolder(RelativePath, out var pathProblem) is null)
        {
            yield return new ValidationResult(pathProblem, [nameof(RelativePath)]);
        }
    }
}

/// <summary>
/// Registers a data asset. <c>stored</c> assets get their bytes by upload; <c>linked</c> ones stay where
/// they are (an http(s) URL) and are complete when registered with size and checksum.
/// </summary>
public sealed record CreateDataAssetRequest(
    Guid MeasurementId,
    string DataAssetName,
    string? RelativePath = null,
    [property: Range(0, long.MaxValue)] long? DataSize = null,
    [property: RegularExpression("^(sha256:[0-9a-fA-F]{64}|sha1:[0-9a-fA-F]{40}|md5:[0-9a-fA-F]{32}|sha512:[0-9a-fA-F]{128})$",
        ErrorMessage = "A checksum is 'algorithm:hex' with sha256, sha512, sha1 or md5, e.g. sha256:9f86d08...")] string? DataChecksum = null,
    DateTimeOffset? DateOfCollection = null,
    string? IntellectualPropertyRights = null,
    string? MediaType = null,
    StorageKind Storage = StorageKind.Stored,
    [property: StringLength(Limits.Uri)] string? LinkUri = null)
    : DataAssetUpdate(DataAssetName, RelativePath, DateOfCollection, IntellectualPropertyRights, MediaType)
{
    public override IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var result in base.Validate(validationContext))
        {
            yield return result;
        }

        if (Storage == StorageKind.Linked)
        {
            if (!Uri.TryCreate(LinkUri, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https" or ArchiveLinks.Scheme))
            {
                yield return new ValidationResult("A linked asset needs linkUri: an absolute http(s) URL, or archive://<root>/<path> for a facility archive this server mounts.", [nameof(LinkUri)]);
            }
        }
        else if (LinkUri is not null)
        {
            yield return new ValidationResult("Only linked assets have a linkUri.", [nameof(LinkUri)]);
        }
    }
}

internal static class DataAssetMapping
{
    public static DataAssetResponse ToResponse(this DataAsset a) => new(
        a.Id, a.MeasurementId, a.ProposalId, a.DataAssetName, a.RelativePath, a.DataSize, a.DataChecksum, a.DateOfCollection,
        a.IntellectualPropertyRights, a.MediaType, a.Storage, a.State, a.State == AssetState.Complete, a.LinkUri,
        a.ExtractedMetadata is null ? null : JsonDocument.Parse(a.ExtractedMetadata).RootElement.Clone(),
        a.FixityCheckedAt, a.FixityStatus, a.CreatedAt, a.UpdatedAt, a.Version);

    public static DataAssetUpdate ToUpdate(this DataAsset a) =>
        new(a.DataAssetName, a.RelativePath, a.DateOfCollection, a.IntellectualPropertyRights, a.MediaType);

    public static void Apply(this DataAsset a, DataAssetUpdate u)
    {
        a.DataAssetName = SafePath.NormaliseName(u.DataAssetName);
        a.RelativePath = SafePath.NormaliseFolder(u.RelativePath, out _) ?? "";
        a.DateOfCollection = u.DateOfCollection?.ToUniversalTime();
        a.IntellectualPropertyRights = u.IntellectualPropertyRights;
        a.MediaType = u.MediaType;
    }
}

/// <summary>Data assets of measurements: their metadata records (bytes are uploaded and downloaded elsewhere).</summary>
internal static class DataAssetsApi
{
    public static RouteGroupBuilder MapDataAssets(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/data-assets").WithTags("Data assets");
        group.MapGet("/", ListDataAssets).AllowAnonymous().WithName("ListDataAssets").WithSummary("Data assets you may see, optionally of one measurement.");
        group.MapGet("/{id:guid}", GetDataAsset).AllowAnonymous().WithName("GetDataAsset").WithSummary("One data asset.");
        group.MapPost("/", CreateDataAsset).WithName("CreateDataAsset").WithSummary("Register a data asset in a measurement (members).");
        group.MapPut("/{id:guid}", ReplaceDataAsset).WithName("ReplaceDataAsset").WithSummary("Replace a data asset's descriptive fields (members).");
        group.MapPatch("/{id:guid}", PatchDataAsset).WithName("PatchDataAsset").WithSummary("Change some descriptive fields of a data asset (JSON merge patch).")
            .Accepts<JsonElement>(MergePatch.MediaType);
        group.MapDelete("/{id:guid}", DeleteDataAsset).WithName("DeleteDataAsset").WithSummary("Delete a data asset no derivation uses (PI, facility staff or admin).");
        return group;
    }

    private static IQueryable<DataAsset> Readable(IdrpDbContext db, AccessService access) =>
        db.DataAssets.Where(access.Rules.CanReadDataAsset());

    private static async Task<Ok<Page<DataAssetResponse>>> ListDataAssets(
        [AsParameters] PageQuery page, Guid? measurementId, Guid? proposalId, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        var query = Readable(db, access);
        if (measurementId is { } mid)
        {
            query = query.Where(a => a.MeasurementId == mid);
        }

        if (proposalId is { } pid)
        {
            query = query.Where(a => a.ProposalId == pid);
        }

        return TypedResults.Ok(await query.ToPageAsync(page, a => a.ToResponse(), ct));
    }

    private static Task<Results<Ok<DataAssetResponse>, ProblemHttpResult, StatusCodeHttpResult>> GetDataAsset(
        Guid id, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        RecordFlows.GetAsync(Readable(db, access), id, "data asset", a => a.ToResponse(), http, ct);

    private static async Task<Results<Created<DataAssetResponse>, ProblemHttpResult>> CreateDataAsset(
        CreateDataAssetRequest request, HttpContext http, AccessService access, IdrpDbContext db, ArchiveLinks archives, CancellationToken ct)
    {
        var (asset, problem) = await RegisterAsync(request, access, db, archives, ct);
        if (problem is not null)
        {
            return problem;
        }

        ETags.Set(http, asset!.Version);
        return TypedResults.Created($"/api/v1/data-assets/{asset.Id}", asset.ToResponse());
    }

    /// <summary>Registers a data asset (validated request); shared by this API and uploads that create their asset.</summary>
    internal static async Task<(DataAsset? Asset, ProblemHttpResult? Problem)> RegisterAsync(
        CreateDataAssetRequest request, AccessService access, IdrpDbContext db, ArchiveLinks archives, CancellationToken ct)
    {
        var measurement = await db.Measurements.Where(access.Rules.CanReadMeasurement()).AsNoTracking()
            .Select(m => new { m.Id, m.ProposalId }).FirstOrDefaultAsync(m => m.Id == request.MeasurementId, ct);
        if (measurement is null)
        {
            return (null, Problems.NotFound("measurement", request.MeasurementId));
        }

        if (await access.DenyUnlessAsync(measurement.ProposalId, ProposalAccess.Member, "add data assets", ct) is { } denied)
        {
            return (null, denied);
        }

        var dataSize = request.DataSize;
        if (request.Storage == StorageKind.Linked && new Uri(request.LinkUri!) is { Scheme: ArchiveLinks.Scheme } archiveLink)
        {
            // Archive files are checked now: they must exist, and their size is a fact the server can read.
            var file = archives.Resolve(archiveLink, out var linkProblem) is { } path ? new FileInfo(path) : null;
            if (file is null || !file.Exists)
            {
                return (null, Problems.Invalid("linkUri", linkProblem ?? "There is no such file in the archive."));
            }

            if (dataSize is not null && dataSize != file.Length)
            {
                return (null, Problems.Invalid("dataSize", $"The archive file has {file.Length} bytes, not {dataSize}."));
            }

            dataSize = file.Length;
        }

        var asset = new DataAsset
        {
            MeasurementId = measurement.Id,
            ProposalId = measurement.ProposalId,
            DataAssetName = request.DataAssetName,
            DataSize = dataSize,
            DataChecksum = request.DataChecksum?.ToLowerInvariant(),
            Storage = request.Storage,
            LinkUri = request.LinkUri,
            // A link with size and checksum is complete: the archive holds the bytes and fixity checks verify them.
            // Stored bytes arrive by upload, which alone may mark the asset complete.
            State = request.Storage == StorageKind.Linked && dataSize is not null && request.DataChecksum is not null
                ? AssetState.Complete
                : AssetState.Pending,
        };
        asset.Apply(request);
        db.DataAssets.Add(asset);
        await db.SaveChangesAsync(ct);
        return (asset, null);
    }

    private static Task<Results<Ok<DataAssetResponse>, ProblemHttpResult>> ReplaceDataAsset(
        Guid id, DataAssetUpdate update, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        Edit(id, _ => update, http, access, db, ct);

    private static Task<Results<Ok<DataAssetResponse>, ProblemHttpResult>> PatchDataAsset(
        Guid id, JsonElement patch, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        Edit(id, a => Edits.Patch(a.ToUpdate(), patch, http), http, access, db, ct);

    private static Task<Results<Ok<DataAssetResponse>, ProblemHttpResult>> Edit(
        Guid id, Func<DataAsset, DataAssetUpdate> makeUpdate, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        RecordFlows.EditAsync(
            Readable(db, access), id, "data asset",
            a => access.DenyUnlessAsync(a.ProposalId, ProposalAccess.Member, "edit data assets", ct),
            makeUpdate,
            (a, u) =>
            {
                a.Apply(u);
                return Task.FromResult<ProblemHttpResult?>(null);
            },
            a => a.ToResponse(), http, db, ct);

    private static Task<Results<NoContent, ProblemHttpResult>> DeleteDataAsset(
        Guid id, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        RecordFlows.DeleteAsync(
            Readable(db, access), id, "data asset",
            a => access.DenyUnlessAsync(a.ProposalId, ProposalAccess.Manager, "delete data assets", ct),
            async a => await db.Set<DerivationInput>().AnyAsync(i => i.AssetId == a.Id, ct)
                ? "Derived data was made from this asset; its provenance would be lost."
                : null,
            http, db, ct);
}
