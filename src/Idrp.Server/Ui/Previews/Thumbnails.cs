using Idrp.Domain.Model;

namespace Idrp.Server.Ui.Previews;

/// <summary>
/// Where a data asset's thumbnail comes from. There is no thumbnail job yet, so small PNG and JPEG files
/// are shown themselves, scaled by CSS, through the download endpoint (the same access rule as the data:
/// an embargoed image shows no preview to anyone who may not download it). When the jobs frame writes
/// scaled copies, <see cref="Url"/> is the one place that points at them instead.
/// </summary>
internal static class Thumbnails
{
    /// <summary>Larger images are not sent to the browser just to be shown small.</summary>
    public const long MaxInlineBytes = 8 * 1024 * 1024;

    public static string? Url(DataAsset asset) =>
        asset.State == AssetState.Complete && asset.DataSize is <= MaxInlineBytes && IsWebImage(asset)
            ? $"/api/v1/data-assets/{asset.Id}/content"
            : null;

    private static bool IsWebImage(DataAsset asset) =>
        asset.MediaType is "image/png" or "image/jpeg"
        || asset.DataAssetName.EndsWith(".png", StringComparison.OrdinalIgnoreCase)
        || asset.DataAssetName.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase)
        || asset.DataAssetName.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase);
}
