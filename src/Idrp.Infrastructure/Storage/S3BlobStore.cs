using System.Buffers;
using System.Globalization;
using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Idrp.Infrastructure.Storage;

/// <summary>
/// Blobs as objects in an S3-compatible bucket (production, cluster mode).
/// </summary>
/// <remarks>
/// S3 objects cannot be appended to, and the parts of a multipart upload cannot be read back before it
/// completes (which a restarted server needs, to rebuild an upload's checksum). So an upload is staged
/// as plain objects: full parts of <see cref="PartSize"/> bytes ("…/p000001", …) and a shorter tail
/// ("…/tail") that each append rewrites. The staging area is therefore readable and entirely described
/// by the offset the database records. Committing assembles the parts into the final object with
/// server-side copies (UploadPartCopy): the bytes never pass through this server again. Memory per
/// append is one part buffer, whatever the file size.
/// </remarks>
public sealed class S3BlobStore : IBlobStore, IDisposable
{
    /// <summary>Size of each staged part; at least S3's 5 MiB minimum for all but the last part of a multipart upload.</summary>
    public const int PartSize = 16 * 1024 * 1024;

    private readonly IAmazonS3 _s3;
    private readonly string _bucket;
    private readonly string _prefix;

    public S3BlobStore(S3Options options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Bucket);
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle,
            AuthenticationRegion = options.Region,
        };
        if (!string.IsNullOrWhiteSpace(options.ServiceUrl))
        {
            config.ServiceURL = options.ServiceUrl;
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        }

        _s3 = string.IsNullOrEmpty(options.AccessKey)
            ? new AmazonS3Client(config)
            : new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config);
        _bucket = options.Bucket;
        _prefix = string.IsNullOrEmpty(options.Prefix) ? "" : options.Prefix.TrimEnd('/') + "/";
    }

    public async Task<AppendResult> AppendAsync(string stagingKey, long offset, Stream source, long maxBytes, DataObserver? observer, bool durable, CancellationToken cancellationToken)
    {
        var partNumber = (int)(offset / PartSize) + 1;
        var tailLength = (int)(offset % PartSize);
        var buffer = ArrayPool<byte>.Shared.Rent(PartSize);
        long appended = 0;
        var interrupted = false;
        var observed = Task.CompletedTask;
        try
        {
            // The bytes past the last full part come back from the tail object.
            var filled = tailLength > 0 ? await ReadTailAsync(stagingKey, buffer, tailLength, cancellationToken) : 0;
            while (appended < maxBytes)
            {
                int read;
                try
                {
                    read = await source.ReadAsync(buffer.AsMemory(filled, (int)Math.Min(PartSize - filled, maxBytes - appended)), cancellationToken);
                }
                catch (Exception e) when (e is IOException or OperationCanceledException)
                {
                    interrupted = true;
                    break;
                }

                if (read == 0)
                {
                    break;
                }

                if (observer is not null)
                {
                    observed = observer(buffer.AsMemory(filled, read));
                }

                filled += read;
                appended += read;
                if (filled == PartSize)
                {
                    // The part's buffer is filled again next: the observer must be done with it (and with all before).
                    await observed;
                    await PutAsync(PartKey(stagingKey, partNumber), buffer, PartSize, CancellationToken.None);
                    partNumber++;
                    filled = 0;
                }
            }

            await observed;

            // Always rewrite the tail, even when empty: a longer tail left by a crashed writer must not survive.
            await PutAsync(TailKey(stagingKey), buffer, filled, CancellationToken.None);
        }
        finally
        {
            await observed.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            ArrayPool<byte>.Shared.Return(buffer);
        }

        // A completed PUT is durable: every append is, whatever the caller asked.
        return new AppendResult(appended, interrupted);
    }

    /// <summary>Every append is a completed PUT, durable already.</summary>
    public Task FlushStagingAsync(IReadOnlyCollection<string> stagingKeys, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<Stream> OpenStagingAsync(string stagingKey, long length, CancellationToken cancellationToken)
    {
        var keys = new List<(string Key, long Length)>();
        var fullParts = (int)(length / PartSize);
        for (var part = 1; part <= fullParts; part++)
        {
            keys.Add((PartKey(stagingKey, part), PartSize));
        }

        if (length % PartSize > 0)
        {
            keys.Add((TailKey(stagingKey), length % PartSize));
        }

        return Task.FromResult<Stream>(new ConcatenatedObjectsStream(this, keys));
    }

    public async Task CommitAsync(string stagingKey, string blobKey, CancellationToken cancellationToken)
    {
        var (parts, tail) = await StagedAsync(stagingKey, cancellationToken);
        var sources = parts.Select(p => p.Key).ToList();
        if (tail > 0 || sources.Count == 0)
        {
            sources.Add(TailKey(stagingKey));
        }

        if (sources.Count == 1)
        {
            await _s3.CopyObjectAsync(new CopyObjectRequest
            {
                SourceBucket = _bucket,
                SourceKey = _prefix + sources[0],
                DestinationBucket = _bucket,
                DestinationKey = _prefix + blobKey,
            }, cancellationToken);
        }
        else
        {
            var started = await _s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = _bucket, Key = _prefix + blobKey }, cancellationToken);
            try
            {
                var etags = new List<PartETag>();
                for (var i = 0; i < sources.Count; i++)
                {
                    var copied = await _s3.CopyPartAsync(new CopyPartRequest
                    {
                        SourceBucket = _bucket,
                        SourceKey = _prefix + sources[i],
                        DestinationBucket = _bucket,
                        DestinationKey = _prefix + blobKey,
                        UploadId = started.UploadId,
                        PartNumber = i + 1,
                    }, cancellationToken);
                    etags.Add(new PartETag(i + 1, copied.ETag));
                }

                await _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
                {
                    BucketName = _bucket,
                    Key = _prefix + blobKey,
                    UploadId = started.UploadId,
                    PartETags = etags,
                }, cancellationToken);
            }
            catch
            {
                await _s3.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _bucket, Key = _prefix + blobKey, UploadId = started.UploadId }, CancellationToken.None);
                throw;
            }
        }

        await DeleteStagingAsync(stagingKey, cancellationToken);
    }

    public async Task DeleteStagingAsync(string stagingKey, CancellationToken cancellationToken)
    {
        var (parts, _) = await StagedAsync(stagingKey, cancellationToken);
        var keys = parts.Select(p => p.Key).Append(TailKey(stagingKey)).ToList();
        foreach (var batch in keys.Chunk(1000))
        {
            await _s3.DeleteObjectsAsync(new DeleteObjectsRequest
            {
                BucketName = _bucket,
                Objects = batch.Select(k => new KeyVersion { Key = _prefix + k }).ToList(),
            }, cancellationToken);
        }
    }

    public async Task<Stream> OpenReadAsync(string blobKey, CancellationToken cancellationToken)
    {
        var length = await GetLengthAsync(blobKey, cancellationToken) ?? throw new BlobNotFoundException(blobKey);
        return new RangeReadStream(this, blobKey, length);
    }

    public async Task<long?> GetLengthAsync(string blobKey, CancellationToken cancellationToken)
    {
        try
        {
            var head = await _s3.GetObjectMetadataAsync(_bucket, _prefix + blobKey, cancellationToken);
            return head.ContentLength;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public Task DeleteAsync(string blobKey, CancellationToken cancellationToken) =>
        _s3.DeleteObjectAsync(_bucket, _prefix + blobKey, cancellationToken);

    public void Dispose() => _s3.Dispose();

    private static string PartKey(string stagingKey, int part) => $"{stagingKey}/p{part.ToString("D6", CultureInfo.InvariantCulture)}";

    private static string TailKey(string stagingKey) => stagingKey + "/tail";

    private async Task<(List<(string Key, long Size)> Parts, long Tail)> StagedAsync(string stagingKey, CancellationToken cancellationToken)
    {
        var parts = new List<(string Key, long Size)>();
        long tail = 0;
        var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = _prefix + stagingKey + "/" };
        ListObjectsV2Response response;
        do
        {
            response = await _s3.ListObjectsV2Async(request, cancellationToken);
            foreach (var o in response.S3Objects ?? [])
            {
                var key = o.Key[_prefix.Length..];
                if (key == TailKey(stagingKey))
                {
                    tail = o.Size ?? 0;
                }
                else
                {
                    parts.Add((key, o.Size ?? 0));
                }
            }

            request.ContinuationToken = response.NextContinuationToken;
        }
        while (response.IsTruncated == true);

        parts.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return (parts, tail);
    }

    private async Task<int> ReadTailAsync(string stagingKey, byte[] buffer, int length, CancellationToken cancellationToken)
    {
        using var response = await _s3.GetObjectAsync(new GetObjectRequest
        {
            BucketName = _bucket,
            Key = _prefix + TailKey(stagingKey),
            ByteRange = new ByteRange(0, length - 1),
        }, cancellationToken);
        await response.ResponseStream.ReadExactlyAsync(buffer.AsMemory(0, length), cancellationToken);
        return length;
    }

    private async Task PutAsync(string key, byte[] buffer, int length, CancellationToken cancellationToken)
    {
        using var content = new MemoryStream(buffer, 0, length, writable: false);
        await _s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = _bucket,
            Key = _prefix + key,
            InputStream = content,
            AutoCloseStream = false,
            UseChunkEncoding = false,
        }, cancellationToken);
    }

    internal async Task<Stream> GetRangeAsync(string key, long from, long? to, CancellationToken cancellationToken)
    {
        var response = await _s3.GetObjectAsync(new GetObjectRequest
        {
            BucketName = _bucket,
            Key = _prefix + key,
            ByteRange = to is null ? new ByteRange($"bytes={from}-") : new ByteRange(from, to.Value),
        }, cancellationToken);
        return response.ResponseStream;
    }

    /// <summary>
    /// A seekable view of one object: each read continues one ranged GET, and a seek starts a new one.
    /// HTTP range requests on downloads become ranged GETs to S3, with no bytes fetched that are not sent.
    /// </summary>
    private sealed class RangeReadStream(S3BlobStore store, string key, long length) : Stream
    {
        private Stream? _current;
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position
        {
            get => _position;
            set => Seek(value, SeekOrigin.Begin);
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position >= length || buffer.Length == 0)
            {
                return 0;
            }

            _current ??= await store.GetRangeAsync(key, _position, null, cancellationToken);
            var read = await _current.ReadAsync(buffer, cancellationToken);
            _position += read;
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override long Seek(long offset, SeekOrigin origin)
        {
            var target = origin switch
            {
                SeekOrigin.Begin => offset,
                SeekOrigin.Current => _position + offset,
                _ => length + offset,
            };
            if (target != _position)
            {
                _current?.Dispose();
                _current = null;
                _position = target;
            }

            return _position;
        }

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _current?.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>Reads several objects one after the other, each up to a given length.</summary>
    private sealed class ConcatenatedObjectsStream(S3BlobStore store, List<(string Key, long Length)> objects) : Stream
    {
        private int _index;
        private Stream? _current;
        private long _leftInCurrent;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (true)
            {
                if (_current is null)
                {
                    if (_index >= objects.Count)
                    {
                        return 0;
                    }

                    var (key, objectLength) = objects[_index++];
                    _current = await store.GetRangeAsync(key, 0, objectLength - 1, cancellationToken);
                    _leftInCurrent = objectLength;
                }

                var read = await _current.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _leftInCurrent)], cancellationToken);
                _leftInCurrent -= read;
                if (read > 0)
                {
                    return read;
                }

                await _current.DisposeAsync();
                _current = null;
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _current?.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

/// <summary>Connection to an S3-compatible object store.</summary>
public sealed class S3Options
{
    /// <summary>Endpoint of an S3-compatible service (MinIO, Ceph, moto); empty for AWS itself.</summary>
    public string? ServiceUrl { get; set; }

    public string Region { get; set; } = "us-east-1";

    public string? Bucket { get; set; }

    /// <summary>Key prefix inside the bucket, so that several deployments can share one.</summary>
    public string? Prefix { get; set; }

    /// <summary>Access key; empty to use the SDK's default credentials (environment, instance role).</summary>
    public string? AccessKey { get; set; }

    public string? SecretKey { get; set; }

    /// <summary>Path-style addressing (bucket in the path), which most S3-compatible services need.</summary>
    public bool ForcePathStyle { get; set; } = true;
}
