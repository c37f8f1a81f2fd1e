using System.Security.Cryptography;

namespace Idrp.Infrastructure.Storage;

/// <summary>
/// The SHA-256 and MD5 of a stream of bytes, the two checksums a data asset records, fed piece by piece as the bytes
/// arrive. Large pieces are hashed on two cores at once: MD5 has no CPU instructions of its own and runs at about
/// the speed of SHA-256 with them (SHA-NI), so one after the other they would halve what one upload can reach.
/// </summary>
public sealed class ContentHashes : IDisposable
{
    /// <summary>Below this size a piece is hashed on the calling thread alone: handing it over would cost more.</summary>
    private const int ParallelFrom = 256 * 1024;

    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);

    /// <summary>How many bytes have been appended.</summary>
    public long Length { get; private set; }

    public void Append(ReadOnlyMemory<byte> data)
    {
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

    /// <summary>The SHA-256 of everything appended; starts over.</summary>
    public byte[] Sha256AndReset() => _sha256.GetHashAndReset();

    /// <summary>The MD5 of everything appended; starts over.</summary>
    public byte[] Md5AndReset() => _md5.GetHashAndReset();

    public void Dispose()
    {
        _sha256.Dispose();
        _md5.Dispose();
    }
}
