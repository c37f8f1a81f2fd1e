using Idrp.Domain.Access;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Idrp.Server.Features.Previews;
using Microsoft.EntityFrameworkCore;

namespace Idrp.Server.Ui.Previews;

/// <summary>
/// Where a data asset's preview image comes from: the newest thumbnail the "thumbnails" job made of it (a PNG data asset
/// derived from it), else, for small PNG and JPEG files, the file itself scaled by CSS. Both go through the download
/// endpoint, so the same access rule applies as to the data (an embargoed image shows no preview to anyone who may not
/// download it).
/// </summary>
internal static class Thumbnails
{
    /// <summary>Larger images are not sent to the browser just to be shown small.</summary>
    public const long MaxInlineBytes = 8 * 1024 * 1024;

    public static async Task<string?> UrlAsync(IdrpDbContext db, AccessRules rules, DataAsset asset, CancellationToken cancellationToken = default)
    {
        var thumbnail = await db.Derivations.AsNoTracking()
            .Where(d => d.Activity == ThumbnailJobType.ActivityName && d.OutputAssetId != null && d.Inputs.Any(i => i.AssetId == asset.Id))
            .Join(db.DataAssets.Where(rules.CanReadDataAsset()).Where(a => a.State == AssetState.Complete), d => d.OutputAssetId, a => a.Id, (d, a) => a.Id)
            .OrderByDescending(id => id)
            .FirstOrDefaultAsync(cancellationToken);
        if (thumbnail != Guid.Empty)
        {
            return $"/api/v1/data-assets/{thumbnail}/content";
        }

        return asset.State == AssetState.Complete && asset.DataSize is <= MaxInlineBytes && IsWebImage(asset)
            ? $"/api/v1/data-assets/{asset.Id}/content"
            : null;
    }

    private static bool IsWebImage(DataAsset asset) =>
        asset.MediaType is "image/png" or "image/jpeg"
        || asset.DataAssetName.EndsWith(".png", StringComparison.OrdinalIgnoreCase)
        || asset.DataAssetName.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase)
        || asset.DataAssetName.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase);
}
