using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;
using Idrp.Server.Features.Measurements;

namespace Idrp.Server.Features.Search;

/// <summary>
/// A search over the measurements the caller may read. Every parameter is optional; repeated values of one
/// facet are alternatives (technique=SEM&amp;technique=STM), different parameters must all hold.
/// </summary>
public sealed record SearchRequest
{
    [Description("Words to find in names, descriptions, keywords, settings, categories, sample, instrument, experiment, proposal and file names. Every word must occur (as a word or the start of one); punctuation is ignored.")]
    [FromQuery(Name = "q")]
    public string? Q { get; init; }

    [Description("Facility code or id (facet 'facility').")]
    [FromQuery(Name = "facility")]
    public string[]? Facility { get; init; }

    [Description("Instrument id or name (facet 'instrument').")]
    [FromQuery(Name = "instrument")]
    public string[]? Instrument { get; init; }

    [Description("Technique, e.g. SEM (facet 'technique').")]
    [FromQuery(Name = "technique")]
    public string[]? Technique { get; init; }

    [Description("Proposal number or id (facet 'proposal').")]
    [FromQuery(Name = "proposal")]
    public string[]? Proposal { get; init; }

    [Description("Category value, e.g. Particles (facet 'category').")]
    [FromQuery(Name = "category")]
    public string[]? Category { get; init; }

    [Description("Year of collection, e.g. 2018 (facet 'year').")]
    [FromQuery(Name = "year")]
    public string[]? Year { get; init; }

    [Description("SPDX licence, e.g. CC-BY-4.0 (facet 'licence').")]
    [FromQuery(Name = "licence")]
    public string[]? Licence { get; init; }

    [Description("private, shared or public (facet 'visibility').")]
    [FromQuery(Name = "visibility")]
    public string[]? Visibility { get; init; }

    [Description("Collected on or after: 2018, 2018-05, 2018-05-17 or an ISO 8601 instant.")]
    [FromQuery(Name = "from")]
    public string? From { get; init; }

    [Description("Collected on or before (a date includes its whole day, a month or year all of it).")]
    [FromQuery(Name = "to")]
    public string? To { get; init; }

    [Description("Numeric setting filter KEY OP NUMBER [UNIT], OP one of < <= = != >= >, e.g. EHT>5kV or WD<=4.5mm; repeat for several. With a unit, values compare in the base unit (5 kV = 5000 V); without, as stored.")]
    [FromQuery(Name = "filter")]
    public string[]? Filter { get; init; }

    [Description("relevance (default with q), newest (default without), oldest or name.")]
    [FromQuery(Name = "sort")]
    public string? Sort { get; init; }

    [Description("Facets to count, comma-separated: facility, instrument, technique, proposal, category, year, licence, visibility; 'all' (default) or 'none'.")]
    [FromQuery(Name = "facets")]
    public string? Facets { get; init; }

    [Description("Results to skip, 0 to 10000 (default 0).")]
    [FromQuery(Name = "offset")]
    public int? Offset { get; init; }

    [Description("Results per page, 1 to 100 (default 20).")]
    [FromQuery(Name = "limit")]
    public int? Limit { get; init; }
}

/// <summary>One value of a facet: what to pass back as the filter, what to show, and how many results have it.</summary>
public sealed record FacetCount(string Value, string Label, int Count);

/// <summary>
/// One page of results. <c>total</c> counts every match the caller may read, up to the server's count limit
/// (<c>Search:CountLimit</c>, 10,000); <c>capped</c> is true when more match than that: <c>total</c> is then the limit
/// (show "10,000+") and the facet counts are over those matches, the most recently indexed.
/// <c>next</c> is the offset of the following page, or null on the last. Facet counts: at most 20 values per facet,
/// most frequent first.
/// </summary>
public sealed record SearchResponse(
    int Total,
    bool Capped,
    int Offset,
    int Limit,
    int? Next,
    string Sort,
    IReadOnlyList<MeasurementResponse> Items,
    IReadOnlyDictionary<string, IReadOnlyList<FacetCount>> Facets);
