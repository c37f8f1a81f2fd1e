using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Idrp.Server.Features.DataAssets;

/// <summary>
/// A data asset's category as the API and the web UI show it: scheme, value, source ("person:…" or "model:…"), the
/// model's confidence, when it was set, and whether it is the one that counts for search and training (a person's over a model's).
/// </summary>
public sealed record AssetCategoryResponse(string Scheme, string Value, string Source, double? Confidence, DateTimeOffset At, bool Counts);

/// <summary>The one way people's categories of data assets are written (API and web UI alike).</summary>
internal static class AssetCategoryWrites
{
    /// <summary>Longest category value.</summary>
    public const int MaxValueLength = 300;

    /// <summary>A category name for a scheme or value: trimmed, non-empty, short; or the problem with it.</summary>
    public static string? Problem(string? text, int maxLength) =>
        string.IsNullOrWhiteSpace(text) ? "must not be empty"
        : text.Trim().Length > maxLength ? $"must be at most {maxLength} characters"
        : null;

    /// <summary>
    /// Records <paramref name="personId"/>'s category of an asset in a scheme, replacing earlier confirmations in that
    /// scheme (by anyone): one label per asset and scheme, with who and when. Saves.
    /// </summary>
    public static async Task ConfirmAsync(IdrpDbContext db, DataAsset asset, string scheme, string value, Guid personId, CancellationToken ct)
    {
        scheme = scheme.Trim();
        value = value.Trim();
        var source = AssetCategory.PersonPrefix + personId;
        var earlier = await db.AssetCategories.Where(c => c.DataAssetId == asset.Id && c.Scheme == scheme && c.Source.StartsWith(AssetCategory.PersonPrefix)).ToListAsync(ct);
        var mine = earlier.FirstOrDefault(c => c.Source == source);
        db.AssetCategories.RemoveRange(earlier.Where(c => c != mine));
        if (mine is null)
        {
            db.AssetCategories.Add(new AssetCategory
            {
                ProposalId = asset.ProposalId,
                MeasurementId = asset.MeasurementId,
                DataAssetId = asset.Id,
                Scheme = scheme,
                Value = value,
                Source = source,
            });
        }
        else
        {
            mine.Value = value;
            // Confirming the same value again still says "checked now".
            db.Entry(mine).State = EntityState.Modified;
        }

        await db.SaveChangesAsync(ct);
    }

    /// <summary>Removes people's categories of an asset in a scheme (the model's suggestion counts again). Saves.</summary>
    public static async Task<int> WithdrawAsync(IdrpDbContext db, Guid assetId, string scheme, CancellationToken ct)
    {
        var earlier = await db.AssetCategories.Where(c => c.DataAssetId == assetId && c.Scheme == scheme.Trim() && c.Source.StartsWith(AssetCategory.PersonPrefix)).ToListAsync(ct);
        db.AssetCategories.RemoveRange(earlier);
        await db.SaveChangesAsync(ct);
        return earlier.Count;
    }

    /// <summary>Every category of the assets, people's first, marked with the ones that count.</summary>
    public static async Task<Dictionary<Guid, List<AssetCategoryResponse>>> OfAssetsAsync(IdrpDbContext db, IReadOnlyCollection<Guid> assetIds, CancellationToken ct)
    {
        var tags = new List<AssetCategory>();
        foreach (var chunk in assetIds.Chunk(500))
        {
            tags.AddRange(await db.AssetCategories.AsNoTracking().Where(c => chunk.Contains(c.DataAssetId)).ToListAsync(ct));
        }

        var ordered = tags.OrderBy(t => t.IsPerson ? 0 : 1).ThenByDescending(t => t.UpdatedAt).ToList();
        var counting = AssetCategory.Effective(ordered, t => t.DataAssetId, t => t.Scheme, t => t.Source).ToHashSet();
        return ordered.GroupBy(t => t.DataAssetId).ToDictionary(g => g.Key,
            g => g.Select(t => new AssetCategoryResponse(t.Scheme, t.Value, t.Source, t.Confidence, t.UpdatedAt, counting.Contains(t))).ToList());
    }
}
