namespace Idrp.Server.Features.Search;

/// <summary>How much of a large result a search counts (section "Search").</summary>
public sealed class SearchOptions
{
    public const string Section = "Search";

    /// <summary>
    /// A search counts at most this many matches, the most recently indexed first (default 10,000, as Elasticsearch's
    /// <c>track_total_hits</c>). Up to it the total and the facet counts are exact; beyond it the response says
    /// <c>capped</c>: the total is this number ("10,000+") and the facets count these matches.
    /// </summary>
    public int CountLimit { get; set; } = 10_000;

    /// <summary>
    /// Relevance ranks at most this many of the counted matches, the most recently indexed (default 2,000); any further
    /// matches follow them, most recent first. Ranking reads each candidate's words, so this bounds what a common word
    /// costs; a search of fewer matches is ranked whole.
    /// </summary>
    public int RankLimit { get; set; } = 2_000;

    /// <summary>
    /// Most search documents whose facet values a server keeps in memory (<see cref="FacetValueCache"/>, about 100 bytes
    /// each; default 500,000). Past it the cache is emptied and fills again; a search of documents it does not hold
    /// reads their values from the database.
    /// </summary>
    public int FacetCacheSize { get; set; } = 500_000;
}
