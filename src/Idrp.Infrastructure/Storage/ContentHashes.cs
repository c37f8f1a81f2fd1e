using System.Security.Cryptography;

namespace Idrp.Infrastructure.Storage;

/// <summary>
/// The SHA-256 and MD5 of a stream of bytes, the two checksums a data asset records, fed piece by piece as the bytes
/// arrive. MD5 has no CPU instructions of its own and runs at less than half the speed of SHA-256 with them
/// (SHA-NI), so it gets a core of its own: <see cref="Append"/> hashes a large piece with both at once,
/// <see cref="AppendPipelined"/> (a stream of pieces, as an upload) leaves MD5 to a lane of its own and returns.
/// </summary>
public sealed class ContentHashes : IDisposable
{
    /// <summary>Below this size a piece is hashed on the calling thread alone: handing it over would cost more.</summary>
    private const int ParallelFrom = 256 * 1024;

    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);

    /// <summary>The MD5 of the pieces handed to <see cref="AppendPipelined"/> so far, one after another on a pool thread.</summary>
    private Task _md5Lane = Task.CompletedTask;

    /// <summary>How many bytes have been appended.</summary>
    public long Length { get; private set; }

    public void Append(ReadOnlyMemory<byte> data)
    {
        WaitForMd5();
        if (data.Length >= ParallelFrom && Environment.ProcessorCount > 1)
        {
            // Parallel.Invoke runs one on this thread and, if no pool thread takes the other, that one too: it
            // cannot starve the pool.
            Parallel.Invoke(() => _sha256.AppendData(data.Span), () => _md5.AppendData(data.Span));
        }
        else
        {
            _sha256.AppendData(data.Span);
            _md5.AppendData(data.Span);
        }

        Length += data.Length;
    }

    /// <summary>
    /// Hashes <paramref name="data"/> with SHA-256 on the calling thread and with MD5 on a pool thread, after the
    /// pieces before it; returns at once, with a task that completes when MD5 is done with the piece (and all before
    /// it). The caller leaves the piece's memory unchanged until then, and can meanwhile receive and hand over the
    /// next one: MD5, the slower of the two, then runs on its own core the whole time instead of being waited for
    /// piece by piece.
    /// </summary>
    public Task AppendPipelined(ReadOnlyMemory<byte> data)
    {
        _sha256.AppendData(data.Span);
        Length += data.Length;
        var md5 = _md5;
        _md5Lane = _md5Lane.ContinueWith(
            before =>
            {
                before.GetAwaiter().GetResult();
                md5.AppendData(data.Span);
            },
            CancellationToken.None, TaskContinuationOptions.DenyChildAttach, TaskScheduler.Default);
        return _md5Lane;
    }

    /// <summary>The SHA-256 of everything appended; starts over.</summary>
    public byte[] Sha256AndReset() => _sha256.GetHashAndReset();

    /// <summary>The MD5 of everything appended; starts over.</summary>
    public byte[] Md5AndReset()
    {
        WaitForMd5();
        return _md5.GetHashAndReset();
    }

    public void Dispose()
    {
        // A piece still in the MD5 lane (its caller failed before waiting) must not meet a disposed hash.
        _md5Lane.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing).GetAwaiter().GetResult();
        _sha256.Dispose();
        _md5.Dispose();
    }

    /// <summary>Waits until the pipelined pieces are in the MD5 (usually they are: their callers waited for them).</summary>
    private void WaitForMd5() => _md5Lane.GetAwaiter().GetResult();
}
