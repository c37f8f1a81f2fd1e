using System.Buffers;
using System.IO.Compression;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Microsoft.Win32.SafeHandles;

namespace Idrp.Analysis.Kmap.Hdf5;

/// <summary>
/// Decodes one frame (index along dim 0) of a chunked dataset from its <see cref="ChunkIndex"/>: one positioned read
/// for all the frame's chunks when they are adjacent in the file (as every writer lays them out), inflate with
/// System.IO.Compression (zlib-ng), unshuffle straight into the caller's frame. Buffers are rented once per decoder,
/// so decoding allocates only the inflater's own state. Not thread-safe: one per worker.
/// </summary>
internal sealed class ChunkedFrameDecoder : IDisposable
{
    private readonly Dictionary<string, SafeFileHandle> _handles = new(StringComparer.Ordinal);
    private byte[] _input = ArrayPool<byte>.Shared.Rent(1 << 20);
    private byte[] _inflated = ArrayPool<byte>.Shared.Rent(1 << 16);

    /// <summary>Decodes frame <paramref name="frame"/> into <paramref name="destination"/> (Dims[1] * Dims[2] elements of ElementSize bytes).</summary>
    /// <exception cref="InvalidDataException">A chunk is truncated or does not inflate to its declared size.</exception>
    public void ReadFrame(ChunkIndex index, int frame, Span<byte> destination)
    {
        var es = index.ElementSize;
        var (rows, cols) = ((int)index.Dims[1], (int)index.Dims[2]);
        var (c0, c1, c2) = ((int)index.ChunkDims[0], (int)index.ChunkDims[1], (int)index.ChunkDims[2]);
        var (_, g1, g2) = index.Grid;
        var chunkElements = c0 * c1 * c2;
        var chunkBytes = chunkElements * es;
        var first = frame / c0 * g1 * g2;
        var count = g1 * g2;
        var inner = frame % c0;

        // One read for the frame's chunks when they are close together in the file.
        long min = long.MaxValue, max = 0, sum = 0;
        for (var i = first; i < first + count; i++)
        {
            var c = index.Chunks[i];
            if (c.Size == 0)
            {
                continue;
            }

            min = Math.Min(min, c.Offset);
            max = Math.Max(max, c.Offset + c.Size);
            sum += c.Size;
        }

        var handle = Handle(index.FilePath);
        var contiguous = sum > 0 && max - min <= (2 * sum) + 65536 && max - min <= int.MaxValue / 2;
        if (contiguous)
        {
            Ensure(ref _input, (int)(max - min));
            ReadExactly(handle, _input.AsSpan(0, (int)(max - min)), min);
        }

        Ensure(ref _inflated, chunkBytes);
        for (var i = 0; i < count; i++)
        {
            var location = index.Chunks[first + i];
            var gr = i / g2;
            var gc = i % g2;
            var r0 = gr * c1;
            var col0 = gc * c2;
            var h = Math.Min(c1, rows - r0);
            var w = Math.Min(c2, cols - col0);
            if (location.Size == 0)
            {
                for (var r = 0; r < h; r++)
                {
                    destination.Slice((((r0 + r) * cols) + col0) * es, w * es).Clear();
                }

                continue;
            }

            var rawStart = 0;
            if (contiguous)
            {
                rawStart = (int)(location.Offset - min);
            }
            else
            {
                Ensure(ref _input, location.Size);
                ReadExactly(handle, _input.AsSpan(0, location.Size), location.Offset);
            }

            var raw = _input.AsSpan(rawStart, location.Size);

            // Filter mask bit i set: filter i of the pipeline (write order: shuffle, deflate) was skipped.
            var shuffleIndex = 0;
            var deflateIndex = index.Shuffle ? 1 : 0;
            var inflate = index.Deflate && (location.FilterMask & (1u << deflateIndex)) == 0;
            var unshuffle = index.Shuffle && (location.FilterMask & (1u << shuffleIndex)) == 0;
            ReadOnlySpan<byte> plain;
            if (inflate)
            {
                Inflate(_input, rawStart, location, _inflated.AsSpan(0, chunkBytes));
                plain = _inflated.AsSpan(0, chunkBytes);
            }
            else
            {
                if (raw.Length < chunkBytes)
                {
                    throw new InvalidDataException($"Chunk at offset {location.Offset} holds {raw.Length} bytes, {chunkBytes} expected.");
                }

                plain = raw[..chunkBytes];
            }

            for (var r = 0; r < h; r++)
            {
                var element = ((inner * c1) + r) * c2;
                var target = destination.Slice((((r0 + r) * cols) + col0) * es, w * es);
                if (unshuffle)
                {
                    Unshuffle(plain, chunkElements, element, es, target);
                }
                else
                {
                    plain.Slice(element * es, w * es).CopyTo(target);
                }
            }
        }
    }

    /// <summary>
    /// Gathers <c>target.Length / elementSize</c> elements starting at <paramref name="element"/> from shuffled bytes
    /// (byte j of element e at j * count + e). Vector path for 2-byte elements, scalar otherwise.
    /// </summary>
    internal static void Unshuffle(ReadOnlySpan<byte> shuffled, int count, int element, int elementSize, Span<byte> target)
    {
        var n = target.Length / elementSize;
        var done = 0;
        if (elementSize == 2 && Sse2.IsSupported)
        {
            var lo = shuffled.Slice(element, n);
            var hi = shuffled.Slice(count + element, n);
            for (; done <= n - 16; done += 16)
            {
                var a = Vector128.Create(lo.Slice(done, 16));
                var b = Vector128.Create(hi.Slice(done, 16));
                Sse2.UnpackLow(a, b).CopyTo(target.Slice(done * 2, 16));
                Sse2.UnpackHigh(a, b).CopyTo(target.Slice((done * 2) + 16, 16));
            }
        }

        UnshuffleScalar(shuffled, count, element + done, elementSize, target[(done * elementSize)..]);
    }

    /// <summary>The scalar twin of <see cref="Unshuffle"/>.</summary>
    internal static void UnshuffleScalar(ReadOnlySpan<byte> shuffled, int count, int element, int elementSize, Span<byte> target)
    {
        var n = target.Length / elementSize;
        for (var j = 0; j < elementSize; j++)
        {
            var plane = shuffled.Slice((j * count) + element, n);
            for (var e = 0; e < n; e++)
            {
                target[(e * elementSize) + j] = plane[e];
            }
        }
    }

    private static void Inflate(byte[] input, int start, ChunkLocation location, Span<byte> output)
    {
        // ZLibStream needs a Stream: a MemoryStream over the decoder's buffer wraps the bytes without copying them.
        using var source = new MemoryStream(input, start, location.Size, writable: false);
        using var zlib = new ZLibStream(source, CompressionMode.Decompress);
        var total = 0;
        int n;
        while (total < output.Length && (n = zlib.Read(output[total..])) > 0)
        {
            total += n;
        }

        if (total != output.Length)
        {
            throw new InvalidDataException($"Chunk at offset {location.Offset} inflates to {total} bytes, {output.Length} expected.");
        }
    }

    private SafeFileHandle Handle(string path)
    {
        if (!_handles.TryGetValue(path, out var handle))
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
            _handles[path] = handle;
        }

        return handle;
    }

    private static void ReadExactly(SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = RandomAccess.Read(handle, buffer[total..], offset + total);
            if (n == 0)
            {
                throw new InvalidDataException($"File ends before the chunk at offset {offset} (truncated?).");
            }

            total += n;
        }
    }

    private static void Ensure(ref byte[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = ArrayPool<byte>.Shared.Rent(length);
        }
    }

    public void Dispose()
    {
        foreach (var h in _handles.Values)
        {
            h.Dispose();
        }

        _handles.Clear();
        ArrayPool<byte>.Shared.Return(_input);
        ArrayPool<byte>.Shared.Return(_inflated);
        _input = [];
        _inflated = [];
    }
}
