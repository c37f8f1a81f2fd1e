using Idrp.Server.Access;
using Idrp.Server.Api;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Idrp.Server.Features.Search;

/// <summary>Search over the measurements the caller may read (anonymous callers: published ones).</summary>
internal static class SearchApi
{
    public static RouteGroupBuilder MapSearch(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/search").WithTags("Search");
        group.MapGet("/", Search).AllowAnonymous().WithName("Search")
            .WithSummary("Find measurements by text, facets and filters (only those you may read; facet counts too).")
            .WithDescription("Example: /api/v1/search?q=SiGe islands&technique=SEM&filter=EHT>5kV&facets=technique,year. "
                + "Malformed filters, dates, sorts or facets answer 422 with the errors per parameter; search text never fails: only its letters and digits are searched.");
        return group;
    }

    private static async Task<Results<Ok<SearchResponse>, ProblemHttpResult>> Search(
        [AsParameters] SearchRequest request, SearchService search, AccessService access, CancellationToken ct)
    {
        var (response, errors) = await search.SearchAsync(request, access.Actor, ct);
        return errors is not null ? Problems.Validation(errors) : TypedResults.Ok(response!);
    }
}
