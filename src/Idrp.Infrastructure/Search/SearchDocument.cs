using Idrp.Domain.Access;
using Idrp.Domain.Model;

namespace Idrp.Infrastructure.Search;

/// <summary>
/// What search knows about one measurement: its words (with those of its sample, instrument, experiment,
/// proposal and the first data assets, in <see cref="Content"/>), and the derived fields facets and filters need.
/// Rebuilt from the records in the same transaction as every change to them (<see cref="SearchIndexer"/>); the
/// full-text index over <see cref="SearchDocumentText.Text"/> (FTS5 on SQLite, a tsvector column with a GIN index on
/// PostgreSQL) follows it inside the database. The measurement's facet values and access facts are copied here too
/// (<see cref="IIndexedMeasurementAccess"/>), so that a search filters, counts and pages one table with the access rule
/// as column tests (<see cref="AccessRules.CanReadIndexed{T}"/>) and joins the measurements only for the page it returns.
/// </summary>
public sealed class SearchDocument : IIndexedMeasurementAccess
{
    /// <summary>An integer key, as FTS5's external content needs (its rowid).</summary>
    public long Id { get; set; }

    public Guid MeasurementId { get; set; }

    public Measurement? Measurement { get; set; }

    public Guid ProposalId { get; set; }

    public Guid? InstrumentId { get; set; }

    public string? Technique { get; set; }

    public string? Licence { get; set; }

    public Visibility Visibility { get; set; }

    /// <summary><see cref="AccessRules.PublicFrom"/> of the measurement.</summary>
    public DateTimeOffset? PublicFrom { get; set; }

    public bool SharedWithSignedInUsers { get; set; }

    /// <summary>The facility of the measurement's instrument, else of its experiment.</summary>
    public Guid? FacilityId { get; set; }

    /// <summary>Year of <see cref="CollectedAt"/> (UTC).</summary>
    public int Year { get; set; }

    /// <summary>When the data were collected, or when the measurement was registered if nobody said.</summary>
    public DateTimeOffset CollectedAt { get; set; }

    /// <summary>The words, in a table of their own so that this one stays narrow: facet counts scan it, the text index reads the other.</summary>
    public SearchDocumentText? Content { get; set; }

    public List<SearchCategory> Categories { get; set; } = [];

    /// <summary>
    /// The values of <see cref="Categories"/> again, as a JSON array of strings, so that the category facet's values come
    /// with the document's other facet values (read once per document into the server's facet-value cache) rather than
    /// by one more query over the matches' ids.
    /// </summary>
    public string CategoryValues { get; set; } = "[]";

    public List<SearchSetting> Settings { get; set; } = [];
}

/// <summary>The words of one search document; the full-text index (FTS5 table or tsvector column) is built over <see cref="Text"/>.</summary>
public sealed class SearchDocumentText
{
    /// <summary>The document's id, also the FTS5 rowid.</summary>
    public long DocumentId { get; set; }

    /// <summary>Normalized words (<see cref="Domain.Search.SearchText.Normalize"/>), space-separated.</summary>
    public string Text { get; set; } = "";
}

/// <summary>
/// One category value of a measurement (any scheme), for the category filter (an index on value); the facet counts
/// <see cref="SearchDocument.CategoryValues"/>.
/// </summary>
public sealed class SearchCategory
{
    public long DocumentId { get; set; }

    public required string Value { get; set; }
}

/// <summary>One numeric setting of a measurement, in its base unit and as given, for range filters.</summary>
public sealed class SearchSetting
{
    public long DocumentId { get; set; }

    /// <summary>Lower-cased, trimmed key.</summary>
    public required string Key { get; set; }

    /// <summary>Base unit (V for kV, Pa for mbar); "" for none.</summary>
    public required string Unit { get; set; }

    /// <summary>The value in <see cref="Unit"/>.</summary>
    public double Value { get; set; }

    /// <summary>The value as given, in the unit it was given in.</summary>
    public double RawValue { get; set; }
}

/// <summary>
/// PostgreSQL only: a document's tsvector (<c>to_tsvector('simple', text)</c>, column <c>tsv</c>, with a GIN index), in a
/// table of its own that a trigger on search_texts keeps in step. Matching and ranking read these narrow rows (the id and
/// the vector) instead of search_texts, whose rows also carry the text and would make a word found in thousands of
/// documents read a table larger than the buffer cache. The trigger also copies the document's access facts, so that a
/// text search with no other filter tests the access rule on the rows the text index finds, without joining the
/// documents (migration <c>SearchVectorAccess</c>). Written by the trigger only, never by EF Core.
/// </summary>
public sealed class SearchVector : IIndexedMeasurementAccess
{
    public long DocumentId { get; set; }

    public Guid MeasurementId { get; set; }

    public Guid ProposalId { get; set; }

    public Visibility Visibility { get; set; }

    public DateTimeOffset? PublicFrom { get; set; }

    public bool SharedWithSignedInUsers { get; set; }
}

/// <summary>
/// The access rule of one reader over <see cref="SearchVector"/> rows (<see cref="Domain.Access.AccessRules.CanReadIndexed{T}"/>),
/// the same rule as separate terms (<see cref="Domain.Access.AccessRules.CanReadIndexedTerms{T}"/>, at least one), and the reader it is
/// for, from which PostgreSQL estimates what share of the rows it may read.
/// </summary>
public sealed record ReadableVectors(System.Linq.Expressions.Expression<Func<SearchVector, bool>> Rule,
    IReadOnlyList<System.Linq.Expressions.Expression<Func<SearchVector, bool>>> Terms, Domain.Access.Actor Reader);

/// <summary>A full-text hit: the row a provider-specific text query yields (not a table).</summary>
public sealed class SearchHit
{
    public long DocumentId { get; set; }

    /// <summary>Lower is better on both providers (FTS5 bm25; minus ts_rank on PostgreSQL).</summary>
    public double Rank { get; set; }
}
