using System.Buffers.Binary;
using System.IO.Hashing;
using System.Security.Cryptography;

namespace Idrp.Server.Features.Uploads;

/// <summary>
/// The checksum of one request's bytes that tus's Upload-Checksum declares, in one of <see cref="Tus.ChecksumAlgorithms"/>.
/// It guards a chunk on its way, so that a damaged one is sent again alone; the whole upload's SHA-256 and MD5 are
/// computed beside it (<see cref="UploadHashes"/>). <c>crc32</c> (CRC-32 as zlib computes it, its four bytes
/// big-endian in base64) costs a fraction of a cryptographic hash per byte, which matters when every byte of a large
/// upload is already hashed twice.
/// </summary>
internal sealed class ChunkChecksum : IDisposable
{
    private readonly IncrementalHash? _hash;
    private readonly Crc32? _crc32;

    private ChunkChecksum(IncrementalHash? hash, Crc32? crc32)
    {
        _hash = hash;
        _crc32 = crc32;
    }

    /// <summary>A checksum of <paramref name="algorithm"/>, one that <see cref="Tus.TryParseChecksum"/> accepted.</summary>
    public static ChunkChecksum For(string algorithm) => algorithm switch
    {
        "crc32" => new ChunkChecksum(null, new Crc32()),
        "sha256" => new ChunkChecksum(IncrementalHash.CreateHash(HashAlgorithmName.SHA256), null),
        "sha1" => new ChunkChecksum(IncrementalHash.CreateHash(HashAlgorithmName.SHA1), null),
        "md5" => new ChunkChecksum(IncrementalHash.CreateHash(HashAlgorithmName.MD5), null),
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Not a tus checksum algorithm of this server."),
    };

    public void Append(ReadOnlySpan<byte> data)
    {
        _hash?.AppendData(data);
        _crc32?.Append(data);
    }

    /// <summary>Whether the bytes appended have the <paramref name="expected"/> digest (compared in constant time).</summary>
    public bool Matches(byte[] expected)
    {
        byte[] actual;
        if (_crc32 is not null)
        {
            actual = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(actual, _crc32.GetCurrentHashAsUInt32());
        }
        else
        {
            actual = _hash!.GetCurrentHash();
        }

        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    public void Dispose() => _hash?.Dispose();
}
