using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace Idrp.Testing;

/// <summary>A minimal tus 1.0 client, written from the protocol text, to drive the upload endpoints.</summary>
public static class Tus
{
    public static HttpRequestMessage Request(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("Tus-Resumable", "1.0.0");
        return request;
    }

    public static string Metadata(params (string Key, string Value)[] pairs) =>
        string.Join(',', pairs.Select(p => p.Key + " " + Convert.ToBase64String(Encoding.UTF8.GetBytes(p.Value))));

    public static async Task<HttpResponseMessage> CreateAsync(this ApiClient client, long length, string metadata)
    {
        var request = Request(HttpMethod.Post, "/api/v1/uploads");
        request.Headers.Add("Upload-Length", length.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("Upload-Metadata", metadata);
        return await client.Http.SendAsync(request);
    }

    public static async Task<string> CreateForAssetAsync(this ApiClient client, Guid assetId, long length)
    {
        var response = await client.CreateAsync(length, Metadata(("assetId", assetId.ToString())));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return response.Headers.Location!.OriginalString;
    }

    /// <summary>Appends <paramref name="data"/> at <paramref name="offset"/>, with an Upload-Checksum and a Repr-Digest (the whole upload's SHA-256, see <see cref="ReprDigest"/>) if given.</summary>
    public static async Task<HttpResponseMessage> PatchAsync(this ApiClient client, string location, long offset, ReadOnlyMemory<byte> data, string? checksum = null, string? reprDigest = null)
    {
        var request = Request(HttpMethod.Patch, location);
        request.Headers.Add("Upload-Offset", offset.ToString(CultureInfo.InvariantCulture));
        if (checksum is not null)
        {
            request.Headers.Add("Upload-Checksum", checksum);
        }

        if (reprDigest is not null)
        {
            request.Headers.Add("Repr-Digest", reprDigest);
        }

        request.Content = new ReadOnlyMemoryContent(data);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
        return await client.Http.SendAsync(request);
    }

    public static async Task<long> OffsetAsync(this ApiClient client, string location)
    {
        var response = await client.Http.SendAsync(Request(HttpMethod.Head, location));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return long.Parse(response.Headers.GetValues("Upload-Offset").Single(), CultureInfo.InvariantCulture);
    }

    public static string Sha1Header(ReadOnlySpan<byte> data) => "sha1 " + Convert.ToBase64String(SHA1.HashData(data));

    /// <summary>RFC 9530's field value for the SHA-256 of <paramref name="data"/>: <c>sha-256=:base64:</c>.</summary>
    public static string ReprDigest(ReadOnlySpan<byte> data) => $"sha-256=:{Convert.ToBase64String(SHA256.HashData(data))}:";

    public static string Sha256(ReadOnlySpan<byte> data) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>Bytes that differ from run to run but are the same for a seed.</summary>
    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
