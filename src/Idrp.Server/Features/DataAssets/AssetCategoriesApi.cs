using System.ComponentModel.DataAnnotations;
using Idrp.Domain.Access;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Idrp.Server.Access;
using Idrp.Server.Api;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Idrp.Server.Features.DataAssets;

/// <summary>A person's category of a data asset.</summary>
public sealed record AssetCategoryRequest([property: Required] string Value);

/// <summary>
/// Categories of single data assets (an image's SEM category): a classifier job suggests them; a person confirms or
/// corrects one here, which is stored with who and when and counts over the model's suggestion in search and training.
/// </summary>
internal static class AssetCategoriesApi
{
    public static RouteGroupBuilder MapAssetCategories(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/data-assets/{id:guid}/categories").WithTags("Data assets");
        group.MapGet("/", List).AllowAnonymous().WithName("ListAssetCategories")
            .WithSummary("A data asset's categories (models' suggestions and people's confirmations), with the ones that count marked.");
        group.MapPut("/{scheme}", Confirm).WithName("ConfirmAssetCategory")
            .WithSummary("Confirm or correct a data asset's category in a scheme, e.g. sem-category (members); it replaces earlier confirmations.");
        group.MapDelete("/{scheme}", Withdraw).WithName("WithdrawAssetCategory")
            .WithSummary("Withdraw people's category of a data asset in a scheme (members); the model's suggestion counts again.");
        return api;
    }

    private static async Task<Results<Ok<List<AssetCategoryResponse>>, ProblemHttpResult>> List(Guid id, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        if (!await db.DataAssets.Where(access.Rules.CanReadDataAsset()).AnyAsync(a => a.Id == id, ct))
        {
            return Problems.NotFound("data asset", id);
        }

        return TypedResults.Ok((await AssetCategoryWrites.OfAssetsAsync(db, [id], ct)).GetValueOrDefault(id) ?? []);
    }

    private static async Task<Results<Ok<List<AssetCategoryResponse>>, ProblemHttpResult>> Confirm(
        Guid id, string scheme, AssetCategoryRequest request, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        if (AssetCategoryWrites.Problem(scheme, Infrastructure.Persistence.Configurations.Limits.Code) is { } schemeProblem)
        {
            return Problems.Invalid("scheme", "The scheme " + schemeProblem + ".");
        }

        if (AssetCategoryWrites.Problem(request.Value, AssetCategoryWrites.MaxValueLength) is { } valueProblem)
        {
            return Problems.Invalid("value", "The value " + valueProblem + ".");
        }

        var asset = await db.DataAssets.Where(access.Rules.CanReadDataAsset()).AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, ct);
        if (asset is null)
        {
            return Problems.NotFound("data asset", id);
        }

        if (await access.DenyUnlessAsync(asset.ProposalId, ProposalAccess.Member, "confirm categories", ct) is { } denied)
        {
            return denied;
        }

        await AssetCategoryWrites.ConfirmAsync(db, asset, scheme, request.Value, access.Actor.PersonId!.Value, ct);
        return TypedResults.Ok((await AssetCategoryWrites.OfAssetsAsync(db, [id], ct))[id]);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Withdraw(Guid id, string scheme, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        var asset = await db.DataAssets.Where(access.Rules.CanReadDataAsset()).AsNoTracking()
            .Select(a => new { a.Id, a.ProposalId }).FirstOrDefaultAsync(a => a.Id == id, ct);
        if (asset is null)
        {
            return Problems.NotFound("data asset", id);
        }

        if (await access.DenyUnlessAsync(asset.ProposalId, ProposalAccess.Member, "withdraw categories", ct) is { } denied)
        {
            return denied;
        }

        await AssetCategoryWrites.WithdrawAsync(db, id, scheme, ct);
        return TypedResults.NoContent();
    }
}
