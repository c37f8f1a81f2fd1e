using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Idrp.Cli.Api;

namespace Idrp.Cli.Ingest;

/// <summary>A small file on its way in a batch: its place, its size and the SHA-256 read when it was hashed.</summary>
internal sealed record BatchEntry(LocalFile File, long Size, string Sha256Hex);

/// <summary>What the server did with one file of a batch (docs/api.md, "Batch uploads").</summary>
internal sealed record BatchItemResult(string Status, Guid? AssetId, string? ErrorCode, string? Error);

/// <summary>
/// Sends many small files in one request (<c>POST /api/v1/measurements/{id}/files</c>, multipart/form-data with an
/// RFC 9530 Content-Digest per file). The server stores and verifies them all and records them in one commit, so a
/// broken-off batch is simply sent again. Files are read from disk while the request is written: memory stays one
/// copy buffer, however large the batch.
/// </summary>
internal sealed class BatchUploader(IdrpApi api)
{
    /// <summary>Files up to this size go in batches; larger ones by tus, which resumes inside a file.</summary>
    public const long MaxFileBytes = 4L << 20;

    /// <summary>A batch ends at this many files or bytes, whichever comes first.</summary>
    public const int MaxFiles = 256;

    public const long MaxBytes = 32L << 20;

    /// <summary>Cuts files (in order) into batches of at most <see cref="MaxFiles"/> files and <see cref="MaxBytes"/> bytes.</summary>
    public static IEnumerable<List<LocalFile>> Cut(IEnumerable<(LocalFile File, long Size)> files)
    {
        var batch = new List<LocalFile>();
        long bytes = 0;
        foreach (var (file, size) in files)
        {
            if (batch.Count > 0 && (batch.Count == MaxFiles || bytes + size > MaxBytes))
            {
                yield return batch;
                batch = [];
                bytes = 0;
            }

            batch.Add(file);
            bytes += size;
        }

        if (batch.Count > 0)
        {
            yield return batch;
        }
    }

    /// <summary>
    /// Sends the batch and returns the server's answer per file, in order. Network failures, server errors and a
    /// batch that met a concurrent change (409) are sent again, up to 8 times with back-off.
    /// </summary>
    public async Task<IReadOnlyList<BatchItemResult>> SendAsync(Guid measurementId, IReadOnlyList<BatchEntry> entries, CancellationToken ct)
    {
        for (var failures = 0; ; )
        {
            string failure;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, $"api/v1/measurements/{measurementId}/files") { Content = Content(entries) };
                using var response = await api.SendAsync(request, ct);
                var status = (int)response.StatusCode;
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    var items = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!["items"]!.AsArray();
                    if (items.Count != entries.Count)
                    {
                        throw new CliException(ExitCodes.General, $"The server answered for {items.Count} of {entries.Count} files.");
                    }

                    return [.. items.Select(i => i!.AsObject()).Select(i => new BatchItemResult(
                        i.Str("status"),
                        i["assetId"] is { } id ? Guid.Parse(id.GetValue<string>()) : null,
                        i["error"]?["code"]?.GetValue<string>(),
                        i["error"]?["detail"]?.GetValue<string>()))];
                }

                if (status is not (409 or 423) && status < 500)
                {
                    await IdrpApi.ThrowIfFailedAsync(response, ct);
                }

                failure = (await IdrpApi.ReadProblemAsync(response, ct)).Describe(status);
            }
            catch (CliException e) when (e.ExitCode == ExitCodes.Network)
            {
                failure = e.Message;
            }

            await TusUploader.BackOffAsync(++failures, failure, ct);
        }
    }

    private static MultipartFormDataContent Content(IReadOnlyList<BatchEntry> entries)
    {
        var content = new MultipartFormDataContent();
        foreach (var entry in entries)
        {
            var part = new FileContent(entry.File.FullPath, entry.Size);
            part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            part.Headers.Add("Content-Digest", $"sha-256=:{Convert.ToBase64String(Convert.FromHexString(entry.Sha256Hex))}:");
            part.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = "\"file\"", FileNameStar = entry.File.Key };
            content.Add(part);
        }

        return content;
    }

    /// <summary>
    /// A file's first <paramref name="length"/> bytes, opened only when the request is written. A file that changed
    /// since it was hashed is caught by the server's digest check; one that shrank ends the request here.
    /// </summary>
    private sealed class FileContent(string path, long length) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(81920);
            try
            {
                for (long left = length; left > 0;)
                {
                    var read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), cancellationToken);
                    if (read == 0)
                    {
                        throw new IOException($"{path} became shorter while it was sent; ingest it again once it is complete.");
                    }

                    await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    left -= read;
                }
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override bool TryComputeLength(out long computed)
        {
            computed = length;
            return true;
        }
    }
}
