using System.Net;
using System.Text.Json.Nodes;
using Idrp.Testing;

namespace Idrp.Server.Tests;

/// <summary>What the search tests do over HTTP: search, and read the items and facets of the answer.</summary>
internal static class SearchCalls
{
    /// <summary>
    /// A word of a test's own, so that records of other tests never match; it is its own stem, as are its forms with
    /// s, ed or ing ("ox" ends it).
    /// </summary>
    public static string UniqueWord(string start = "zq") =>
        start + string.Concat(Guid.NewGuid().ToString("N")[..10].Select(c => (char)('a' + (c % 26)))) + "ox";

    public static async Task<JsonNode> SearchAsync(ApiClient client, string query) =>
        await (await client.GetAsync("/api/v1/search?" + query)).ReadJsonAsync(HttpStatusCode.OK);

    public static List<Guid> Ids(JsonNode result) => [.. result["items"]!.AsArray().Select(i => i!.Id())];

    public static Dictionary<string, int> Facet(JsonNode result, string facet) =>
        result["facets"]![facet]!.AsArray().ToDictionary(f => f!["value"]!.GetValue<string>(), f => f!["count"]!.GetValue<int>());
}
