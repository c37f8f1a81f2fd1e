using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Idrp.Cli.Api;

namespace Idrp.Cli.Ingest;

/// <summary>
/// Uploads one file to a registered data asset by tus 1.0 (docs/api.md, section 5a): fixed-size chunks,
/// each with a CRC-32 Upload-Checksum (a damaged chunk is sent again alone), the last one with the whole file's
/// SHA-256 as Repr-Digest (the server checks every byte against it before the asset is complete), and after any
/// failed chunk a HEAD to learn where the server got. A file no larger than one chunk goes in the request that
/// creates the upload (creation-with-upload). Memory is two chunk buffers per file, whatever the file's size: the
/// next chunk is read and hashed while the current one is on the wire, so a file's SHA-256 costs no pass of its own.
/// </summary>
internal sealed class TusUploader(IdrpApi api, int chunkSize)
{
    private const int MaxRetries = 8;

    public int ChunkSize => chunkSize;

    /// <summary>Creates a tus upload for the asset and returns its URL (relative to the server).</summary>
    public async Task<string> CreateAsync(Guid assetId, long length, CancellationToken ct)
    {
        using var response = await api.SendAsync(CreateRequest(assetId, length), ct);
        await IdrpApi.ThrowIfFailedAsync(response, ct);
        return response.Headers.Location?.OriginalString ?? throw new CliException(ExitCodes.General, "The server created an upload but sent no Location.");
    }

    /// <summary>
    /// Creates an upload with all of <paramref name="data"/> in the same request. True when the server stored,
    /// verified and completed it; false when it answered that the asset already has its data (an earlier attempt
    /// may have completed it: the caller checks the record). Network errors, damaged chunks (460), busy uploads (423)
    /// and server errors are tried again, up to 8 times with back-off.
    /// </summary>
    public async Task<bool> UploadWholeAsync(Guid assetId, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        var checksum = Crc32Checksum(data.Span);
        for (var failures = 0; ; )
        {
            string failure;
            try
            {
                var request = CreateRequest(assetId, data.Length);
                request.Headers.Add("Upload-Checksum", checksum);
                request.Content = new ReadOnlyMemoryContent(data);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
                using var response = await api.SendAsync(request, ct);
                if (response.StatusCode == HttpStatusCode.Created && Offset(response) == data.Length)
                {
                    return true;
                }

                var status = (int)response.StatusCode;
                if (status == 409)
                {
                    return false;
                }

                if (response.IsSuccessStatusCode || (status is not (460 or 423) && status < 500))
                {
                    await IdrpApi.ThrowIfFailedAsync(response, ct);
                    throw new CliException(ExitCodes.General, $"The server created the upload with {Offset(response)} of {data.Length} bytes.");
                }

                failure = (await IdrpApi.ReadProblemAsync(response, ct)).Describe(status);
            }
            catch (CliException e) when (e.ExitCode == ExitCodes.Network)
            {
                failure = e.Message;
            }

            await BackOffAsync(++failures, failure, ct);
        }
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
        return Offset(response);
    }

    /// <summary>
    /// Sends the file's bytes from <paramref name="offset"/> to its end and returns the file's SHA-256 (hex): the
    /// one given as <paramref name="sha256Hex"/>, or, without one, computed from the chunks as they are read (then
    /// <paramref name="offset"/> must be 0). After a failed chunk or an unreachable server (a restart, say) it waits,
    /// asks HEAD for the offset and goes on from there, up to 8 failures in a row.
    /// </summary>
    public async Task<string> SendAsync(string url, string file, long length, long offset, string? sha256Hex, IProgress<long> progress, CancellationToken ct)
    {
        if (sha256Hex is null && offset != 0)
        {
            throw new ArgumentException("Without the file's SHA-256 the upload starts at 0, so that every byte is hashed.", nameof(offset));
        }

        using var digest = new FileDigest(length, sha256Hex);
        var size = (int)Math.Clamp(length, 1, chunkSize);
        byte[][] buffers = [ArrayPool<byte>.Shared.Rent(size), ArrayPool<byte>.Shared.Rent(size)];
        Task<Chunk>? next = null;
        try
        {
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous);
            var failures = 0;
            var which = 0;
            var completedByPatch = false;

            // An empty file still needs one (empty) PATCH: it is what makes the server verify and complete the asset.
            var emptyPending = length == 0;
            while (offset < length || emptyPending)
            {
                var chunk = next is not null ? await next : await ReadAsync(stream, buffers[which], offset, length, digest, ct);
                next = null;
                which ^= 1;
                if (chunk.Offset + chunk.Length < length)
                {
                    // The next chunk is read and hashed while this one travels.
                    next = ReadAsync(stream, buffers[which], chunk.Offset + chunk.Length, length, digest, ct);
                }

                var request = Request(HttpMethod.Patch, url);
                request.Headers.Add("Upload-Offset", chunk.Offset.ToString(CultureInfo.InvariantCulture));
                request.Headers.Add("Upload-Checksum", chunk.Checksum);
                if (chunk.Offset + chunk.Length == length)
                {
                    // The last chunk declares what the whole file is; every byte has been hashed by now.
                    request.Headers.Add("Repr-Digest", $"sha-256=:{Convert.ToBase64String(Convert.FromHexString(digest.Sha256Hex!))}:");
                }
                request.Content = new ReadOnlyMemoryContent(chunk.Data);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");

                string failure;
                try
                {
                    using var response = await api.SendAsync(request, ct);
                    if (response.StatusCode == HttpStatusCode.NoContent)
                    {
                        var reached = Offset(response);
                        progress.Report(reached - offset);
                        offset = reached;
                        failures = 0;
                        emptyPending = false;
                        completedByPatch = offset == length;
                        if (next is not null && offset != chunk.Offset + chunk.Length)
                        {
                            // The server kept less than the whole chunk: read again from where it is.
                            await next;
                            next = null;
                        }

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

                if (next is not null)
                {
                    await next;
                    next = null;
                }

                (offset, failures) = await ResyncAsync(url, failures, failure, ct);
            }

            if (!completedByPatch)
            {
                // A HEAD at the end lets the server finish an upload whose last byte it stored but did not yet verify.
                _ = await OffsetAsync(url, ct);
            }

            return digest.Sha256Hex!;
        }
        finally
        {
            if (next is not null)
            {
                await next.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            }

            ArrayPool<byte>.Shared.Return(buffers[0]);
            ArrayPool<byte>.Shared.Return(buffers[1]);
        }
    }

    /// <summary>Waits and asks the server for the offset; an unreachable server counts as one more failure. Returns the offset and the failures so far.</summary>
    private async Task<(long Offset, int Failures)> ResyncAsync(string url, int failures, string failure, CancellationToken ct)
    {
        while (true)
        {
            await BackOffAsync(++failures, failure, ct);
            try
            {
                var offset = await OffsetAsync(url, ct) ?? throw new CliException(ExitCodes.Conflict, "The server dropped the upload: " + failure);
                return (offset, failures);
            }
            catch (CliException e) when (e.ExitCode == ExitCodes.Network)
            {
                failure = e.Message;
            }
        }
    }

    /// <summary>Waits before attempt <paramref name="failures"/> + 1 (0.5 s doubling to 8 s); after 8 failures gives up with the last one.</summary>
    internal static async Task BackOffAsync(int failures, string failure, CancellationToken ct)
    {
        if (failures > MaxRetries)
        {
            throw new CliException(ExitCodes.General, $"Upload stopped after {MaxRetries} failed attempts; run ingest again to resume. Last: {failure}");
        }

        await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(250 * (1 << failures), 8000)), ct);
    }

    private static async Task<Chunk> ReadAsync(FileStream stream, byte[] buffer, long offset, long length, FileDigest digest, CancellationToken ct)
    {
        var size = (int)Math.Min(buffer.Length, length - offset);
        await ReadExactlyAsync(stream, buffer, offset, size, ct);
        var data = buffer.AsMemory(0, size);
        digest.Add(offset, data.Span);
        return new Chunk(offset, size, data, Crc32Checksum(data.Span));
    }

    /// <summary>Upload-Checksum in tus's crc32: the CRC-32 (as zlib's) of the bytes, its four bytes big-endian, in base64.</summary>
    internal static string Crc32Checksum(ReadOnlySpan<byte> data)
    {
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32.HashToUInt32(data));
        return "crc32 " + Convert.ToBase64String(crc);
    }

    private static async Task ReadExactlyAsync(FileStream stream, byte[] buffer, long offset, int size, CancellationToken ct)
    {
        var done = 0;
        while (done < size)
        {
            var read = await RandomAccess.ReadAsync(stream.SafeFileHandle, buffer.AsMemory(done, size - done), offset + done, ct);
            if (read == 0)
            {
                throw new IOException($"{stream.Name} became shorter while it was uploaded.");
            }

            done += read;
        }
    }

    private static long Offset(HttpResponseMessage response) =>
        long.Parse(response.Headers.GetValues("Upload-Offset").Single(), CultureInfo.InvariantCulture);

    private static HttpRequestMessage CreateRequest(Guid assetId, long length)
    {
        var request = Request(HttpMethod.Post, "api/v1/uploads");
        request.Headers.Add("Upload-Length", length.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("Upload-Metadata", "assetId " + Convert.ToBase64String(Encoding.UTF8.GetBytes(assetId.ToString())));
        return request;
    }

    private static HttpRequestMessage Request(HttpMethod method, string url)
    {
        var request = new HttpRequestMessage(method, url.TrimStart('/'));
        request.Headers.Add("Tus-Resumable", "1.0.0");
        return request;
    }

    private readonly record struct Chunk(long Offset, int Length, ReadOnlyMemory<byte> Data, string Checksum);

    /// <summary>
    /// The SHA-256 of a file of <paramref name="length"/> bytes, fed with its chunks as they are read; a chunk read
    /// again (after a failure) is not hashed twice. Known from the start when <paramref name="knownHex"/> is given.
    /// </summary>
    private sealed class FileDigest(long length, string? knownHex) : IDisposable
    {
        private readonly IncrementalHash? _sha256 = knownHex is null ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
        private long _hashed;

        /// <summary>Lower-case hex, once every byte has been read.</summary>
        public string? Sha256Hex { get; private set; } = knownHex;

        public void Add(long offset, ReadOnlySpan<byte> data)
        {
            if (Sha256Hex is not null)
            {
                return;
            }

            if (offset > _hashed)
            {
                throw new InvalidOperationException($"Bytes {_hashed} to {offset} were sent without being hashed.");
            }

            var seen = (int)Math.Min(_hashed - offset, data.Length);
            _sha256!.AppendData(data[seen..]);
            _hashed = Math.Max(_hashed, offset + data.Length);
            if (_hashed == length)
            {
                Sha256Hex = Convert.ToHexStringLower(_sha256.GetHashAndReset());
            }
        }

        public void Dispose() => _sha256?.Dispose();
    }
}
