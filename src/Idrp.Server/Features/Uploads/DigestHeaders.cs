namespace Idrp.Server.Features.Uploads;

/// <summary>
/// RFC 9530 digest fields with the one algorithm assets record: <c>Content-Digest</c> (a batch part's bytes) and
/// <c>Repr-Digest</c> (a whole upload's bytes, declared on a tus append): <c>sha-256=:base64:</c>.
/// </summary>
internal static class DigestHeaders
{
    /// <summary>
    /// The sha-256 member of <paramref name="header"/>; (null, null) when there is no header, a problem text when
    /// it is malformed or has no sha-256 (other algorithms, if sent beside it, are not what assets record).
    /// </summary>
    public static (byte[]? Digest, string? Problem) ParseSha256(string? header, string field)
    {
        if (string.IsNullOrEmpty(header))
        {
            return (null, null);
        }

        foreach (var member in header.Split(','))
        {
            var equals = member.IndexOf('=');
            if (equals < 0 || !member[..equals].Trim().Equals("sha-256", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var value = member[(equals + 1)..].Trim();
            var digest = new byte[32];
            return value.Length > 2 && value[0] == ':' && value[^1] == ':'
                && Convert.TryFromBase64String(value[1..^1], digest, out var written) && written == 32
                ? (digest, null)
                : (null, $"{field}'s sha-256 is not ':' + base64 of 32 bytes + ':'.");
        }

        return (null, $"{field} has no sha-256; send sha-256=:<base64>:.");
    }
}
