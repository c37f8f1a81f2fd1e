using Idrp.Server.Features.Search;

namespace Idrp.Server.Ui.Shared;

/// <summary>
/// The search page's address as a <see cref="SearchRequest"/>: the same parameter names as <c>GET /api/v1/search</c>,
/// so a page address and an API call read alike. Empty form fields (an unused date or setting box) count as absent.
/// </summary>
internal static class SearchQuery
{
    public static SearchRequest FromQuery(IQueryCollection query)
    {
        string? One(string name) => query[name].FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim();
        string[]? Many(string name) => query[name].Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!.Trim()).ToArray() is { Length: > 0 } values ? values : null;
        int? Number(string name) => int.TryParse(One(name), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : null;

        return new SearchRequest
        {
            Q = One("q"),
            Facility = Many("facility"),
            Instrument = Many("instrument"),
            Technique = Many("technique"),
            Proposal = Many("proposal"),
            Category = Many("category"),
            Year = Many("year"),
            Licence = Many("licence"),
            Visibility = Many("visibility"),
            From = One("from"),
            To = One("to"),
            Filter = Many("filter"),
            Sort = One("sort"),
            Offset = Number("offset"),
            Limit = Number("limit"),
        };
    }

    /// <summary>Whether anything but the words narrows or orders the search.</summary>
    public static bool HasRefinements(SearchRequest r) =>
        r.From is not null || r.To is not null || r.Filter is not null || r.Sort is not null
        || SearchService.FacetNames.Any(f => Values(r, f).Count > 0);

    /// <summary>The values chosen for one facet.</summary>
    public static IReadOnlyList<string> Values(SearchRequest r, string facet) => (facet switch
    {
        "facility" => r.Facility,
        "instrument" => r.Instrument,
        "technique" => r.Technique,
        "proposal" => r.Proposal,
        "category" => r.Category,
        "year" => r.Year,
        "licence" => r.Licence,
        "visibility" => r.Visibility,
        _ => null,
    }) ?? [];
}
