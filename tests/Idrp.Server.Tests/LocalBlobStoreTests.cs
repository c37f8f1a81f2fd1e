using System.Security.Cryptography;
using Idrp.Infrastructure.Storage;
using Idrp.Testing;

namespace Idrp.Server.Tests;

/// <summary>
/// The local store's appends: large pieces go past the page cache where the file system allows it (O_DIRECT on a
/// disk; /dev/shm is tmpfs, which refuses it), the rest buffered. Whatever the path, the staged bytes and the bytes
/// the observer saw are exactly the bytes sent, including resumes from aligned and unaligned offsets.
/// </summary>
public sealed class LocalBlobStoreTests
{
    public static TheoryData<string> Roots => new() { Path.GetTempPath(), "/dev/shm" };

    [Theory]
    [MemberData(nameof(Roots))]
    public async Task Appends_of_whole_and_partial_buffers_from_aligned_and_unaligned_offsets_stage_exactly_the_bytes_sent(string parent)
    {
        var ct = TestContext.Current.CancellationToken;
        using var root = new StoreRoot(parent);
        var store = new LocalBlobStore(root.Path);
        var key = BlobKeys.ForUpload(Guid.CreateVersion7());
        var data = new byte[(5 << 20) + 4099];
        new Random(7).NextBytes(data);
        using var seen = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        // 2.5 MiB + 7 from offset 0, arriving in small reads: two whole buffers, then a tail.
        var first = (5 << 19) + 7;
        var result = await store.AppendAsync(key, 0, new TricklingStream(data.AsMemory(0, first)), long.MaxValue, Observe(seen), durable: false, ct);
        Assert.Equal(first, result.Appended);

        // A resume from the aligned offset 2 MiB: the unaligned tail is cut and sent again, then 1 MiB more.
        using var resumed = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        resumed.AppendData(data.AsSpan(0, 2 << 20));
        var second = (3 << 20) - (2 << 20) + (1 << 19) + 7;
        result = await store.AppendAsync(key, 2 << 20, new TricklingStream(data.AsMemory(2 << 20, second)), long.MaxValue, Observe(resumed), durable: false, ct);
        Assert.Equal(second, result.Appended);

        // From an unaligned offset, a limit that stops inside the body, then the rest durably.
        var offset = (2 << 20) + second;
        var third = (1 << 20) + 3;
        result = await store.AppendAsync(key, offset, new TricklingStream(data.AsMemory(offset)), third, Observe(resumed), durable: false, ct);
        Assert.Equal(third, result.Appended);
        offset += third;
        result = await store.AppendAsync(key, offset, new TricklingStream(data.AsMemory(offset)), long.MaxValue, Observe(resumed), durable: true, ct);
        Assert.Equal(data.Length - offset, result.Appended);
        Assert.True(result.Durable);

        await using var staged = await store.OpenStagingAsync(key, data.Length, ct);
        using var copy = new MemoryStream();
        await staged.CopyToAsync(copy, ct);
        Assert.Equal(data.Length, copy.Length);
        Assert.True(data.AsSpan().SequenceEqual(copy.ToArray()), "the staged bytes differ from the bytes sent");
        Assert.Equal(SHA256.HashData(data), resumed.GetHashAndReset());
        Assert.Equal(SHA256.HashData(data.AsSpan(0, first)), seen.GetHashAndReset());
    }

    [Theory]
    [MemberData(nameof(Roots))]
    public async Task A_small_file_of_whole_pages_and_a_partial_one_is_staged_exactly(string parent)
    {
        var ct = TestContext.Current.CancellationToken;
        using var root = new StoreRoot(parent);
        var store = new LocalBlobStore(root.Path);
        // Files of a batch: one piece each, less than a buffer, of whole pages or not.
        foreach (var length in new[] { 100_000, 8192, 4095 })
        {
            var key = BlobKeys.ForUpload(Guid.CreateVersion7());
            var data = new byte[length];
            new Random(length).NextBytes(data);
            using var seen = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var result = await store.AppendAsync(key, 0, new TricklingStream(data), long.MaxValue, Observe(seen), durable: false, ct);
            Assert.Equal(length, result.Appended);
            await store.FlushStagingAsync([key], ct);

            await using var staged = await store.OpenStagingAsync(key, length, ct);
            using var copy = new MemoryStream();
            await staged.CopyToAsync(copy, ct);
            Assert.True(data.AsSpan().SequenceEqual(copy.ToArray()), $"the staged bytes of a {length}-byte file differ from the bytes sent");
            Assert.Equal(SHA256.HashData(data), seen.GetHashAndReset());
        }
    }

    [Fact]
    public async Task An_observer_that_finishes_late_sees_every_piece_unchanged_because_the_store_waits_before_reusing_its_buffer()
    {
        var ct = TestContext.Current.CancellationToken;
        using var root = new StoreRoot(Path.GetTempPath());
        var store = new LocalBlobStore(root.Path);
        var key = BlobKeys.ForUpload(Guid.CreateVersion7());
        var data = new byte[(9 << 20) + 12345];
        new Random(11).NextBytes(data);

        // Reads each piece only after a pause, in order, as a hash lane on another thread does: a store that filled
        // the piece's buffer again before the task completed would show here as other bytes.
        using var late = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var lane = Task.CompletedTask;
        var pieces = 0;
        var result = await store.AppendAsync(key, 0, new TricklingStream(data), long.MaxValue, piece =>
        {
            pieces++;
            var before = lane;
            lane = Task.Run(async () =>
            {
                await before;
                await Task.Delay(3, CancellationToken.None);
                late.AppendData(piece.Span);
            }, CancellationToken.None);
            return lane;
        }, durable: true, ct);

        Assert.Equal(data.Length, result.Appended);
        Assert.True(lane.IsCompletedSuccessfully, "the store returned before the observer was done");
        Assert.True(pieces >= 10, $"{pieces} pieces: expected 1 MiB pieces");
        Assert.Equal(SHA256.HashData(data), late.GetHashAndReset());
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(root.Path, key), ct)));
    }

    /// <summary>An observer that hashes each piece at once.</summary>
    private static DataObserver Observe(IncrementalHash hash) => data =>
    {
        hash.AppendData(data.Span);
        return Task.CompletedTask;
    };

    [Theory]
    [MemberData(nameof(Roots))]
    public async Task A_batch_of_staged_files_is_flushed_together_then_committed_and_every_file_reads_back_exactly(string parent)
    {
        var ct = TestContext.Current.CancellationToken;
        using var root = new StoreRoot(parent);
        var store = new LocalBlobStore(root.Path);
        // Enough files for the flush to sync the file system once rather than each file, as a batch upload's do.
        var files = Enumerable.Range(0, 40).Select(i => (Key: BlobKeys.ForUpload(Guid.CreateVersion7()), Blob: BlobKeys.ForAsset(Guid.CreateVersion7()), Data: Tus.RandomBytes(1000 * i, i))).ToList();
        foreach (var (key, _, data) in files)
        {
            Assert.Equal(data.Length, (await store.AppendAsync(key, 0, new TricklingStream(data), long.MaxValue, observer: null, durable: false, ct)).Appended);
        }

        await store.FlushStagingAsync([.. files.Select(f => f.Key)], ct);
        foreach (var (key, blob, data) in files)
        {
            await store.CommitAsync(key, blob, ct);
            await using var stored = await store.OpenReadAsync(blob, ct);
            using var copy = new MemoryStream();
            await stored.CopyToAsync(copy, ct);
            Assert.True(data.AsSpan().SequenceEqual(copy.ToArray()), $"the {data.Length}-byte blob differs from the bytes staged");
        }

        Assert.Empty(Directory.EnumerateFiles(Path.Combine(root.Path, "uploads")));
    }

    /// <summary>A fresh store folder under <c>parent</c>, removed at the end.</summary>
    private sealed class StoreRoot : IDisposable
    {
        public StoreRoot(string parent)
        {
            if (!Directory.Exists(parent))
            {
                Assert.Fail($"{parent} does not exist on this machine; the test needs it to cover both write paths.");
            }

            Path = System.IO.Path.Combine(parent, "idrp-store-" + Guid.NewGuid().ToString("N"));
        }

        public string Path { get; }

        public void Dispose()
        {
            if (Directory.Exists(Path))
            {
                Directory.Delete(Path, recursive: true);
            }
        }
    }

    /// <summary>A request body as the server gets it: pieces of a few KiB.</summary>
    private sealed class TricklingStream(ReadOnlyMemory<byte> data) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => data.Length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var count = Math.Min(Math.Min(buffer.Length, 3000), data.Length - _position);
            data.Slice(_position, count).CopyTo(buffer);
            _position += count;
            return ValueTask.FromResult(count);
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
