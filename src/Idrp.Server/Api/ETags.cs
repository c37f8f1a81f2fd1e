using Microsoft.Net.Http.Headers;

namespace Idrp.Server.Api;

/// <summary>
/// Optimistic concurrency over HTTP: a record's ETag is its version number; an edit or delete that
/// sends If-Match with an older ETag gets 412 instead of overwriting someone else's change.
/// </summary>
internal static class ETags
{
    public static string For(long version) => $"\"{version}\"";

    public static void Set(HttpContext http, long version) => http.Response.Headers.ETag = For(version);

    /// <summary>True when there is no If-Match header, when it is "*", or when one of its tags is the current version.</summary>
    public static bool IfMatchAllows(HttpContext http, long version)
    {
        var header = http.Request.Headers.IfMatch;
        if (header.Count == 0)
        {
            return true;
        }

        if (!EntityTagHeaderValue.TryParseList(header, out var tags))
        {
            return false;
        }

        var current = new EntityTagHeaderValue(For(version));
        return tags.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(current, useStrongComparison: false));
    }

    /// <summary>True when the client already has this version (If-None-Match), so 304 can be answered.</summary>
    public static bool IsNotModified(HttpContext http, long version)
    {
        var header = http.Request.Headers.IfNoneMatch;
        if (header.Count == 0 || !EntityTagHeaderValue.TryParseList(header, out var tags))
        {
            return false;
        }

        var current = new EntityTagHeaderValue(For(version));
        return tags.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(current, useStrongComparison: false));
    }
}
