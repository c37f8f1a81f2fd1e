namespace Idrp.Domain.Model;

/// <summary>
/// A category of one data asset (an image's SEM category): what a classifier job suggested, or what a person confirmed.
/// Per asset and scheme there is at most one tag from people (the confirmation, which wins) and at most one from models
/// (the newest classification). Who and when: <see cref="Source"/> and <see cref="Entity.UpdatedAt"/>.
/// </summary>
public sealed class AssetCategory : Entity, IProposalScoped
{
    public Guid ProposalId { get; set; }

    /// <summary>The asset's measurement, copied so that search can gather a measurement's categories by index.</summary>
    public Guid MeasurementId { get; set; }

    public Guid DataAssetId { get; set; }

    /// <summary>The vocabulary, e.g. "sem-category".</summary>
    public required string Scheme { get; set; }

    public required string Value { get; set; }

    /// <summary>"person:&lt;id&gt;" or "model:&lt;name&gt;@&lt;version&gt;".</summary>
    public required string Source { get; set; }

    /// <summary>The model's probability for <see cref="Value"/>; null for people.</summary>
    public double? Confidence { get; set; }

    public bool IsPerson => Source.StartsWith(PersonPrefix, StringComparison.Ordinal);

    public const string PersonPrefix = "person:";

    public const string ModelPrefix = "model:";

    /// <summary>
    /// The tags that count, per asset and scheme: a person's confirmation over a model's suggestion. What search indexes
    /// and what training takes as labels (people's only).
    /// </summary>
    public static IEnumerable<T> Effective<T>(IEnumerable<T> tags, Func<T, Guid> asset, Func<T, string> scheme, Func<T, string> source) =>
        tags.GroupBy(t => (asset(t), scheme(t)))
            .Select(g => g.FirstOrDefault(t => source(t).StartsWith(PersonPrefix, StringComparison.Ordinal)) ?? g.First());
}
