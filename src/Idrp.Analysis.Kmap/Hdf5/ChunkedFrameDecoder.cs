using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Microsoft.Win32.SafeHandles;

namespace Idrp.Analysis.Kmap.Hdf5;

/// <summary>
/// Decodes one frame (index along dim 0) of a chunked dataset from its <see cref="ChunkIndex"/>: one positioned read
/// for all the frame's chunks when they are adjacent in the file (as every writer lays them out), inflate with
/// the runtime's zlib-ng through one reused native stream (<see cref="ChunkInflater"/>), unshuffle straight into the
/// caller's frame. Buffers are allocated (pinned) once per decoder, so decoding allocates nothing per chunk. Not
/// thread-safe: one per worker.
/// </summary>
internal sealed class ChunkedFrameDecoder : IDisposable
{
    private readonly Dictionary<string, SafeFileHandle> _handles = new(StringComparer.Ordinal);
    private readonly ChunkInflater _inflater = new();
    private byte[] _input = Pinned(1 << 20);
    private byte[] _inflated = Pinned(1 << 16);

    /// <summary>Decodes frame <paramref name="frame"/> into <paramref name="destination"/> (Dims[1] * Dims[2] elements of ElementSize bytes).</summary>
    /// <exception cref="InvalidDataException">A chunk is truncated or does not inflate to its declared size.</exception>
    public void ReadFrame(ChunkIndex index, int frame, Span<byte> destination)
    {
        var sink = new CopySink(destination, (int)index.Dims[2], index.ElementSize);
        Decode(index, frame, ref sink);
    }

    /// <summary>
    /// Decodes frame <paramref name="frame"/> of a uint16 dataset and adds each non-zero pixel p into
    /// <c>cube[table[p]]</c> (times <paramref name="scale"/>; table entries below zero are skipped) straight from each
    /// inflated chunk, without materialising the frame: the same sums as <see cref="ReadFrame"/> followed by
    /// <c>QSpaceConverter.Bin</c>, minus writing and re-reading 0.5 MB of frame per call.
    /// </summary>
    public void BinFrame(ChunkIndex index, int frame, ReadOnlySpan<int> table, Span<float> cube, float scale)
    {
        if (index.ElementSize != 2)
        {
            throw new ArgumentException("BinFrame decodes 2-byte elements only.", nameof(index));
        }

        var sink = new BinSink(table, cube, scale, (int)index.Dims[2]);
        Decode(index, frame, ref sink);
    }

    private void Decode<TSink>(ChunkIndex index, int frame, ref TSink sink)
        where TSink : IChunkSink, allows ref struct
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
                sink.Empty(r0, col0, h, w);
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
                try
                {
                    _inflater.Inflate(_input, rawStart, location.Size, _inflated, chunkBytes);
                }
                catch (InvalidDataException ex)
                {
                    throw new InvalidDataException($"Chunk at offset {location.Offset}: {ex.Message}", ex);
                }

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

            sink.Rows(plain, unshuffle, chunkElements, inner * c1 * c2, c2, r0, col0, h, w);
        }
    }

    /// <summary>What <see cref="Decode"/> does with each decoded chunk; a struct so that the calls inline.</summary>
    private interface IChunkSink
    {
        /// <summary>The chunk covering rows r0..r0+h and columns col0..col0+w of the frame was never written (fill value zero).</summary>
        void Empty(int r0, int col0, int h, int w);

        /// <summary>
        /// Plain (inflated) chunk bytes: element e of the chunk is at byte e * size, or, when <paramref name="shuffled"/>,
        /// byte j of it at j * chunkElements + e. Frame row r0 + r, column col0 + c is chunk element element0 + r * rowStride + c.
        /// </summary>
        void Rows(ReadOnlySpan<byte> plain, bool shuffled, int chunkElements, int element0, int rowStride, int r0, int col0, int h, int w);
    }

    private ref struct CopySink(Span<byte> destination, int cols, int es) : IChunkSink
    {
        private readonly Span<byte> _destination = destination;

        public readonly void Empty(int r0, int col0, int h, int w)
        {
            for (var r = 0; r < h; r++)
            {
                _destination.Slice((((r0 + r) * cols) + col0) * es, w * es).Clear();
            }
        }

        public readonly void Rows(ReadOnlySpan<byte> plain, bool shuffled, int chunkElements, int element0, int rowStride, int r0, int col0, int h, int w)
        {
            for (var r = 0; r < h; r++)
            {
                var element = element0 + (r * rowStride);
                var target = _destination.Slice((((r0 + r) * cols) + col0) * es, w * es);
                if (shuffled)
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

    private ref struct BinSink(ReadOnlySpan<int> table, Span<float> cube, float scale, int cols) : IChunkSink
    {
        private readonly ReadOnlySpan<int> _table = table;
        private readonly Span<float> _cube = cube;

        public readonly void Empty(int r0, int col0, int h, int w)
        {
            // Zeros add nothing.
        }

        public readonly void Rows(ReadOnlySpan<byte> plain, bool shuffled, int chunkElements, int element0, int rowStride, int r0, int col0, int h, int w)
        {
            for (var r = 0; r < h; r++)
            {
                var element = element0 + (r * rowStride);
                var table = _table.Slice(((r0 + r) * cols) + col0, w);
                if (shuffled)
                {
                    BinShuffledRow(plain.Slice(element, w), plain.Slice(chunkElements + element, w), table, _cube, scale);
                }
                else
                {
                    QSpace.QSpaceConverter.Bin(MemoryMarshal.Cast<byte, ushort>(plain.Slice(element * 2, w * 2)), table, _cube, scale);
                }
            }
        }
    }

    /// <summary>
    /// Adds the non-zero uint16 values whose low bytes are <paramref name="lo"/> and high bytes <paramref name="hi"/>
    /// (one row of a shuffled chunk) into <paramref name="cube"/> through <paramref name="table"/>: 32 pixels tested for
    /// zero at a time, only the non-zero ones visited.
    /// </summary>
    internal static void BinShuffledRow(ReadOnlySpan<byte> lo, ReadOnlySpan<byte> hi, ReadOnlySpan<int> table, Span<float> cube, float scale)
    {
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= lo.Length - 32; i += 32)
            {
                var any = Vector256.Create(lo.Slice(i, 32)) | Vector256.Create(hi.Slice(i, 32));
                var nonZero = ~Vector256.Equals(any, Vector256<byte>.Zero).ExtractMostSignificantBits();
                while (nonZero != 0)
                {
                    var l = i + BitOperations.TrailingZeroCount(nonZero);
                    nonZero &= nonZero - 1;
                    var bin = table[l];
                    if (bin >= 0)
                    {
                        cube[bin] += (lo[l] | (hi[l] << 8)) * scale;
                    }
                }
            }
        }

        BinShuffledRowScalar(lo[i..], hi[i..], table[i..], cube, scale);
    }

    /// <summary>The scalar twin of <see cref="BinShuffledRow"/>.</summary>
    internal static void BinShuffledRowScalar(ReadOnlySpan<byte> lo, ReadOnlySpan<byte> hi, ReadOnlySpan<int> table, Span<float> cube, float scale)
    {
        for (var l = 0; l < lo.Length; l++)
        {
            var value = lo[l] | (hi[l] << 8);
            var bin = table[l];
            if (value != 0 && bin >= 0)
            {
                cube[bin] += value * scale;
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

    /// <summary>Pinned (pinned object heap): the native inflater is handed their addresses.</summary>
    private static byte[] Pinned(int length) => GC.AllocateUninitializedArray<byte>(length, pinned: true);

    private static void Ensure(ref byte[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = Pinned(Math.Max(length, buffer.Length * 2));
        }
    }

    public void Dispose()
    {
        foreach (var h in _handles.Values)
        {
            h.Dispose();
        }

        _handles.Clear();
        _inflater.Dispose();
        _input = [];
        _inflated = [];
    }
}
