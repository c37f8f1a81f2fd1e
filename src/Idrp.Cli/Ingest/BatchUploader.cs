using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Idrp.Cli.Api;

namespace Idrp.Cli.Ingest;

/// <summary>
/// A small file on its way in a batch: its place, its size and its SHA-256 when an earlier run or a skip check hashed
/// it; null to hash it while it is sent (the file is then read once), which fills <see cref="SentSha256Hex"/>.
/// </summary>
internal sealed record BatchEntry(LocalFile File, long Size, string? Sha256Hex)
{
    /// <summary>The file's last write time (UTC ticks) when it was listed, for the state of a file hashed while it is sent.</summary>
    public long Modified { get; init; }

    /// <summary>The SHA-256 of the bytes sent, once the request is written; null when the file changed while it was read.</summary>
    public string? SentSha256Hex { get; set; }
}

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

    private static HttpContent Content(IReadOnlyList<BatchEntry> entries) => new BatchContent(entries);

    /// <summary>
    /// The multipart/form-data body of a batch, written part by part as the request goes out: each file is read once
    /// into one buffer, hashed for its Content-Digest (unless its SHA-256 is known) and sent from the same buffer, so
    /// memory stays one file (at most <see cref="MaxFileBytes"/>) however large the batch. Its length is known before
    /// any file is read: every digest has the same length.
    /// </summary>
    /// <remarks>
    /// A file that is not <see cref="BatchEntry.Size"/> bytes any more (it changed since it was listed) goes with a
    /// digest its bytes do not have, so that the server refuses that file alone ("checksum-mismatch", nothing kept)
    /// and the rest of the batch is stored.
    /// </remarks>
    private sealed class BatchContent : HttpContent
    {
        private static readonly byte[] CrLf = "\r\n"u8.ToArray();
        private readonly IReadOnlyList<BatchEntry> _entries;
        private readonly string _boundary = Guid.NewGuid().ToString("N");

        public BatchContent(IReadOnlyList<BatchEntry> entries)
        {
            _entries = entries;
            Headers.ContentType = new MediaTypeHeaderValue("multipart/form-data") { Parameters = { new NameValueHeaderValue("boundary", _boundary) } };
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent((int)Math.Max(1, _entries.Max(e => e.Size)));
            try
            {
                foreach (var entry in _entries)
                {
                    var bytes = buffer.AsMemory(0, (int)entry.Size);
                    var unchanged = await ReadAsync(entry, bytes, cancellationToken);
                    var digest = unchanged && entry.Sha256Hex is { } known ? Convert.FromHexString(known) : SHA256.HashData(bytes.Span);
                    if (unchanged)
                    {
                        entry.SentSha256Hex = Convert.ToHexStringLower(digest);
                    }
                    else
                    {
                        digest[0] ^= 0xff; // not the bytes' digest: the server refuses this file
                    }

                    await stream.WriteAsync(Encoding.UTF8.GetBytes(PartHeader(entry, Convert.ToBase64String(digest))), cancellationToken);
                    await stream.WriteAsync(bytes, cancellationToken);
                    await stream.WriteAsync(CrLf, cancellationToken);
                }

                await stream.WriteAsync(Encoding.ASCII.GetBytes($"--{_boundary}--\r\n"), cancellationToken);
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        /// <summary>
        /// Reads the file into <paramref name="bytes"/>; false (and zeros for what is missing) when it is not that long
        /// any more or cannot be read now (deleted, say): one such file must not fail the others of the batch.
        /// </summary>
        private static async Task<bool> ReadAsync(BatchEntry entry, Memory<byte> bytes, CancellationToken ct)
        {
            var read = 0;
            try
            {
                await using var file = new FileStream(entry.File.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous);
                read = await file.ReadAtLeastAsync(bytes, bytes.Length, throwOnEndOfStream: false, ct);
                return read == bytes.Length && await file.ReadAsync(new byte[1], ct) == 0;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return false;
            }
            finally
            {
                bytes.Span[read..].Clear();
            }
        }

        private string PartHeader(BatchEntry entry, string digestBase64)
        {
            var disposition = new ContentDispositionHeaderValue("form-data") { Name = "\"file\"", FileNameStar = entry.File.Key };
            return $"--{_boundary}\r\nContent-Disposition: {disposition}\r\nContent-Type: application/octet-stream\r\nContent-Digest: sha-256=:{digestBase64}:\r\n\r\n";
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override bool TryComputeLength(out long length)
        {
            // A digest is 44 characters of base64 whatever the bytes: the length is known before any file is read.
            var placeholder = new string('A', 44);
            length = _entries.Sum(e => Encoding.UTF8.GetByteCount(PartHeader(e, placeholder)) + e.Size + CrLf.Length)
                + Encoding.ASCII.GetByteCount($"--{_boundary}--\r\n");
            return true;
        }
    }
}
