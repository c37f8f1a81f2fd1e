namespace Idrp.Server.Features.Search;

/// <summary>How much of a large result a search counts (section "Search").</summary>
public sealed class SearchOptions
{
    public const string Section = "Search";

    /// <summary>
    /// A search counts at most this many matches, the most recently indexed first (default 10,000, as Elasticsearch's
    /// <c>track_total_hits</c>). Up to it the total and the facet counts are exact; beyond it the response says
    /// <c>capped</c>: the total is this number ("10,000+"), the facets count these matches and relevance orders them.
    /// </summary>
    public int CountLimit { get; set; } = 10_000;
}
