using System.IO.Compression;
using Idrp.Analysis.Kmap.Hdf5;

namespace Idrp.Analysis.Kmap.Tests;

public sealed class ChunkInflaterTests
{
    private static (byte[] Packed, byte[] Plain) Chunk(int length, int seed)
    {
        // Mostly zeros with sparse counts, like a shuffled detector chunk.
        var random = new Random(seed);
        var plain = new byte[length];
        for (var i = 0; i < plain.Length; i++)
        {
            plain[i] = random.NextDouble() < 0.05 ? (byte)random.Next(1, 256) : (byte)0;
        }

        using var packed = new MemoryStream();
        using (var z = new ZLibStream(packed, CompressionLevel.Optimal, leaveOpen: true))
        {
            z.Write(plain);
        }

        var input = GC.AllocateUninitializedArray<byte>((int)packed.Length + 16, pinned: true);
        packed.ToArray().CopyTo(input, 16);
        return (input, plain);
    }

    [Fact]
    public void One_inflater_decodes_chunk_after_chunk_through_the_runtimes_native_zlib()
    {
        Assert.True(ChunkInflater.UsesNativeStream);
        using var inflater = new ChunkInflater();
        var output = GC.AllocateUninitializedArray<byte>(40_000, pinned: true);
        foreach (var (length, seed) in new[] { (33_282, 1), (100, 2), (33_282, 3), (40_000, 4), (1, 5) })
        {
            var (packed, plain) = Chunk(length, seed);
            inflater.Inflate(packed, 16, packed.Length - 16, output, length);
            Assert.Equal(plain, output.AsSpan(0, length).ToArray());
        }
    }

    [Fact]
    public void Wrong_size_or_corrupt_chunk_is_invalid_data_and_the_next_chunk_still_inflates()
    {
        using var inflater = new ChunkInflater();
        var output = GC.AllocateUninitializedArray<byte>(20_000, pinned: true);
        var (packed, plain) = Chunk(10_000, 7);
        var length = packed.Length - 16;

        Assert.Throws<InvalidDataException>(() => inflater.Inflate(packed, 16, length, output, 9_999));
        Assert.Throws<InvalidDataException>(() => inflater.Inflate(packed, 16, length, output, 10_001));
        Assert.Throws<InvalidDataException>(() => inflater.Inflate(packed, 16, length / 2, output, 10_000));
        var corrupt = GC.AllocateUninitializedArray<byte>(packed.Length, pinned: true);
        packed.CopyTo(corrupt, 0);
        corrupt[^3] ^= 0xFF; // inside the Adler-32 trailer
        Assert.Throws<InvalidDataException>(() => inflater.Inflate(corrupt, 16, length, output, 10_000));

        inflater.Inflate(packed, 16, length, output, 10_000);
        Assert.Equal(plain, output.AsSpan(0, 10_000).ToArray());
    }
}
