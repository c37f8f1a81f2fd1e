using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Idrp.Cli.Api;

namespace Idrp.Cli.Ingest;

/// <summary>
/// Uploads one file to a registered data asset by tus 1.0 (docs/api.md, section 5a): fixed-size chunks,
/// each with a SHA-256 Upload-Checksum, and after any failed chunk a HEAD to learn where the server got.
/// Memory is one chunk buffer per file, whatever the file's size.
/// </summary>
internal sealed class TusUploader(IdrpApi api, int chunkSize)
{
    private const int MaxRetries = 8;

    /// <summary>Creates a tus upload for the asset and returns its URL (relative to the server).</summary>
    public async Task<string> CreateAsync(Guid assetId, long length, CancellationToken ct)
    {
        var request = Request(HttpMethod.Post, "api/v1/uploads");
        request.Headers.Add("Upload-Length", length.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("Upload-Metadata", "assetId " + Convert.ToBase64String(Encoding.UTF8.GetBytes(assetId.ToString())));
        using var response = await api.SendAsync(request, ct);
        await IdrpApi.ThrowIfFailedAsync(response, ct);
        return response.Headers.Location?.OriginalString ?? throw new CliException(ExitCodes.General, "The server created an upload but sent no Location.");
    }

    /// <summary>The upload's offset, or null when the server no longer has it (expired, finished or terminated).</summary>
    public async Task<long?> OffsetAsync(string url, CancellationToken ct)
    {
        using var response = await api.SendAsync(Request(HttpMethod.Head, url), ct);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
        {
            return null;
        }

        await IdrpApi.ThrowIfFailedAsync(response, ct);
        return long.Parse(response.Headers.GetValues("Upload-Offset").Single(), CultureInfo.InvariantCulture);
    }

    /// <summary>Sends the file's bytes from <paramref name="offset"/> to its end.</summary>
    public async Task SendAsync(string url, string file, long length, long offset, IProgress<long> progress, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(length, 1, chunkSize));
        try
        {
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous);
            var failures = 0;

            // An empty file still needs one (empty) PATCH: it is what makes the server verify and complete the asset.
            var emptyPending = length == 0;
            while (offset < length || emptyPending)
            {
                var size = (int)Math.Min(buffer.Length, length - offset);
                stream.Position = offset;
                await stream.ReadExactlyAsync(buffer.AsMemory(0, size), ct);
                var request = Request(HttpMethod.Patch, url);
                request.Headers.Add("Upload-Offset", offset.ToString(CultureInfo.InvariantCulture));
                request.Headers.Add("Upload-Checksum", "sha256 " + Convert.ToBase64String(SHA256.HashData(buffer.AsSpan(0, size))));
                request.Content = new ReadOnlyMemoryContent(buffer.AsMemory(0, size));
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");

                string failure;
                try
                {
                    using var response = await api.SendAsync(request, ct);
                    if (response.StatusCode == HttpStatusCode.NoContent)
                    {
                        var next = long.Parse(response.Headers.GetValues("Upload-Offset").Single(), CultureInfo.InvariantCulture);
                        progress.Report(next - offset);
                        offset = next;
                        failures = 0;
                        emptyPending = false;
                        continue;
                    }

                    // 460 (chunk damaged), 409 (offset moved), 423 (a killed run's request still holds the lease) and
                    // 5xx are worth another try from wherever the server is; the rest are final.
                    var status = (int)response.StatusCode;
                    if (status is not (460 or 409 or 423) && status < 500)
                    {
                        await IdrpApi.ThrowIfFailedAsync(response, ct);
                    }

                    failure = (await IdrpApi.ReadProblemAsync(response, ct)).Describe(status);
                }
                catch (CliException e) when (e.ExitCode == ExitCodes.Network)
                {
                    failure = e.Message;
                }

                if (++failures > MaxRetries)
                {
                    throw new CliException(ExitCodes.General, $"Upload stopped after {MaxRetries} failed attempts; run ingest again to resume. Last: {failure}");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(250 * (1 << failures), 8000)), ct);
                offset = await OffsetAsync(url, ct) ?? throw new CliException(ExitCodes.Conflict, "The server dropped the upload: " + failure);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        // A HEAD at the end lets the server finish an upload whose last byte it stored but did not yet verify.
        _ = await OffsetAsync(url, ct);
    }

    private static HttpRequestMessage Request(HttpMethod method, string url)
    {
        var request = new HttpRequestMessage(method, url.TrimStart('/'));
        request.Headers.Add("Tus-Resumable", "1.0.0");
        return request;
    }
}
