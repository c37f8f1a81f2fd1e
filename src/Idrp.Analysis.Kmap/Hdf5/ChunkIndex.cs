using System.Buffers.Binary;
using System.Reflection;
using Microsoft.Win32.SafeHandles;
using PureHDF;
using PureHDF.VOL.Native;

namespace Idrp.Analysis.Kmap.Hdf5;

/// <summary>Where one stored chunk lies in its file.</summary>
internal readonly record struct ChunkLocation(long Offset, int Size, uint FilterMask);

/// <summary>
/// The chunk index of a 3-D chunked dataset, read once: file offset and size of every chunk, in row-major chunk
/// order. Frames can then be read with one positioned read and decoded without PureHDF's per-read selection and
/// B-tree walk, which cost several times the inflate itself. Two index kinds are understood, which cover the KMAP
/// writers: version-1 B-trees (HDF5 library / h5py, layout message 3), fixed arrays (layout message 4, PureHDF
/// and HDF5 1.10 with libver latest) and implicit indexes (unfiltered, layout message 4). The layout and filter messages are taken from PureHDF's parsed dataset
/// (internal members of PureHDF 2.2, read by reflection), so anything unexpected returns null and callers fall back
/// to PureHDF. Immutable after construction.
/// </summary>
internal sealed class ChunkIndex
{
    private ChunkIndex(string filePath, ulong[] dims, ulong[] chunkDims, int elementSize, bool shuffle, bool deflate, ChunkLocation[] chunks)
    {
        FilePath = filePath;
        Dims = dims;
        ChunkDims = chunkDims;
        ElementSize = elementSize;
        Shuffle = shuffle;
        Deflate = deflate;
        Chunks = chunks;
    }

    public string FilePath { get; }

    public ulong[] Dims { get; }

    public ulong[] ChunkDims { get; }

    public int ElementSize { get; }

    /// <summary>Shuffle filter in the pipeline (applied before deflate when writing).</summary>
    public bool Shuffle { get; }

    public bool Deflate { get; }

    /// <summary>Row-major over the chunk grid; Size 0 marks a chunk never written (fill value, zeros).</summary>
    public ChunkLocation[] Chunks { get; }

    /// <summary>Chunks along (dim0, dim1, dim2) of a 3-D dataset.</summary>
    public (int D0, int D1, int D2) Grid => (
        (int)((Dims[0] + ChunkDims[0] - 1) / ChunkDims[0]),
        (int)((Dims[1] + ChunkDims[1] - 1) / ChunkDims[1]),
        (int)((Dims[2] + ChunkDims[2] - 1) / ChunkDims[2]));

    /// <summary>True when each chunk is exactly one index of dim 0 and all of the other dimensions (one cube per chunk).</summary>
    public bool OneChunkPerSlice
    {
        get
        {
            if (ChunkDims[0] != 1)
            {
                return false;
            }

            for (var d = 1; d < Dims.Length; d++)
            {
                if (ChunkDims[d] != Dims[d])
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>Builds the index of <paramref name="dataset"/>, or null when its layout or filters are not supported here.</summary>
    /// <param name="filePath">The file holding the dataset when known (a memory-mapped PureHDF file has no path); otherwise taken from PureHDF.</param>
    public static ChunkIndex? TryCreate(IH5Dataset dataset, string? filePath = null)
    {
        try
        {
            return Create(dataset, filePath);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or TargetInvocationException or InvalidCastException or NullReferenceException or ArgumentException or OverflowException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static ChunkIndex? Create(IH5Dataset dataset, string? filePath)
    {
        if (dataset.Layout.Class != H5DataLayoutClass.Chunked || dataset.Space.Rank is < 3 or > 4
            || dataset.Type.Class is not (H5DataTypeClass.FixedPoint or H5DataTypeClass.FloatingPoint))
        {
            return null;
        }

        var path = filePath ?? (Get(Get(dataset, "Context"), "File") as NativeFile)?.Path;
        if (path is null || !File.Exists(path))
        {
            return null;
        }

        var dims = dataset.Space.Dimensions;
        var chunkDims = dataset.Layout.Chunks;
        var elementSize = (int)dataset.Type.Size;

        var shuffle = false;
        var deflate = false;
        if (Get(dataset, "InternalFilterPipeline") is { } pipeline)
        {
            var descriptions = (Array)Get(pipeline, "FilterDescriptions")!;
            var order = new List<int>();
            foreach (var d in descriptions)
            {
                order.Add(Convert.ToInt32(Get(d, "Identifier"), System.Globalization.CultureInfo.InvariantCulture));
            }

            // Only [deflate], [shuffle] or [shuffle, deflate] (write order) are decoded here.
            switch (order.Count)
            {
                case 0:
                    break;
                case 1 when order[0] == 1:
                    deflate = true;
                    break;
                case 1 when order[0] == 2:
                    shuffle = true;
                    break;
                case 2 when order[0] == 2 && order[1] == 1:
                    shuffle = deflate = true;
                    break;
                default:
                    return null;
            }
        }

        var layout = Get(dataset, "InternalDataLayout")!;
        var properties = Get(layout, "Properties")!;
        var address = (ulong)Get(properties, "Address")!;
        long grid = 1;
        var chunkElements = 1UL;
        for (var d = 0; d < dims.Length; d++)
        {
            grid = checked(grid * (long)((dims[d] + chunkDims[d] - 1) / chunkDims[d]));
            chunkElements *= chunkDims[d];
        }

        var chunks = new ChunkLocation[grid];
        using var handle = File.OpenHandle(path);
        var version = Convert.ToInt32(Get(layout, "Version"), System.Globalization.CultureInfo.InvariantCulture);
        if (version == 3)
        {
            ReadBTreeV1(handle, (long)address, dims, chunkDims, chunks);
        }
        else if (version == 4 && Get(properties, "IndexingInformation")?.GetType().Name == "FixedArrayIndexingInformation")
        {
            ReadFixedArray(handle, (long)address, checked((int)chunkElements * elementSize), chunks);
        }
        else if (version == 4 && Get(properties, "IndexingInformation")?.GetType().Name == "ImplicitIndexingInformation" && !shuffle && !deflate)
        {
            // Implicit index (unfiltered, fixed size): chunks lie back to back from the index address, in chunk order.
            var chunkBytes = checked((int)chunkElements * elementSize);
            for (var i = 0; i < chunks.Length; i++)
            {
                chunks[i] = new ChunkLocation(checked((long)address + ((long)i * chunkBytes)), chunkBytes, 0);
            }
        }
        else
        {
            return null;
        }

        return new ChunkIndex(path, dims, chunkDims, elementSize, shuffle, deflate, chunks);
    }

    private static object? Get(object? target, string name) =>
        target?.GetType().GetProperty(name, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)?.GetValue(target);

    /// <summary>HDF5 spec III.A.1: version-1 B-tree, node type 1 (raw data chunks), 8-byte offsets.</summary>
    private static void ReadBTreeV1(SafeFileHandle handle, long address, ulong[] dims, ulong[] chunkDims, ChunkLocation[] chunks)
    {
        var rank = dims.Length;
        var keySize = 4 + 4 + ((rank + 1) * 8);
        var grid = new ulong[rank];
        for (var d = 0; d < rank; d++)
        {
            grid[d] = (dims[d] + chunkDims[d] - 1) / chunkDims[d];
        }

        var pending = new Stack<long>();
        pending.Push(address);
        Span<byte> head = stackalloc byte[24];
        while (pending.Count > 0)
        {
            var node = pending.Pop();
            ReadExactly(handle, head, node);
            if (!head[..4].SequenceEqual("TREE"u8) || head[4] != 1)
            {
                throw new InvalidDataException("Not a raw-data B-tree node.");
            }

            var level = head[5];
            int used = BinaryPrimitives.ReadUInt16LittleEndian(head[6..]);
            var body = new byte[(used * (keySize + 8)) + keySize];
            ReadExactly(handle, body, node + 24);
            for (var i = 0; i < used; i++)
            {
                var key = body.AsSpan(i * (keySize + 8), keySize);
                var child = (long)BinaryPrimitives.ReadUInt64LittleEndian(body.AsSpan((i * (keySize + 8)) + keySize, 8));
                if (level > 0)
                {
                    pending.Push(child);
                    continue;
                }

                var size = BinaryPrimitives.ReadUInt32LittleEndian(key);
                var mask = BinaryPrimitives.ReadUInt32LittleEndian(key[4..]);
                ulong linear = 0;
                for (var d = 0; d < rank; d++)
                {
                    linear = (linear * grid[d]) + (BinaryPrimitives.ReadUInt64LittleEndian(key[(8 + (8 * d))..]) / chunkDims[d]);
                }

                chunks[checked((int)linear)] = new ChunkLocation(child, checked((int)size), mask);
            }
        }
    }

    /// <summary>HDF5 spec III.H/VII: fixed-array header (FAHD) and data block (FADB), client 1 (filtered chunks) or 0.</summary>
    private static void ReadFixedArray(SafeFileHandle handle, long address, int chunkBytes, ChunkLocation[] chunks)
    {
        Span<byte> header = stackalloc byte[4 + 1 + 1 + 1 + 1 + 8 + 8 + 4];
        ReadExactly(handle, header, address);
        if (!header[..4].SequenceEqual("FAHD"u8))
        {
            throw new InvalidDataException("Not a fixed-array header.");
        }

        var client = header[5];
        int entrySize = header[6];
        int pageBits = header[7];
        var count = (long)BinaryPrimitives.ReadUInt64LittleEndian(header[8..]);
        var block = (long)BinaryPrimitives.ReadUInt64LittleEndian(header[16..]);
        if (count != chunks.Length || client > 1)
        {
            throw new InvalidDataException("Unexpected fixed-array shape.");
        }

        var pageSize = 1L << pageBits;
        var paged = count > pageSize;
        var pages = paged ? (count + pageSize - 1) / pageSize : 0;
        var bitmapBytes = paged ? (int)((pages + 7) / 8) : 0;
        var prefix = 4 + 1 + 1 + 8 + bitmapBytes;
        if (!paged)
        {
            var elements = new byte[count * entrySize];
            ReadExactly(handle, elements, block + prefix);
            Decode(elements, 0, count, entrySize, client, chunkBytes, chunks);
            return;
        }

        var bitmap = new byte[bitmapBytes];
        ReadExactly(handle, bitmap, block + 4 + 1 + 1 + 8);
        var position = block + prefix + 4; // the data block's own checksum precedes the pages
        for (long p = 0; p < pages; p++)
        {
            var n = Math.Min(pageSize, count - (p * pageSize));
            var bytes = n * entrySize;
            if ((bitmap[p / 8] & (0x80 >> (int)(p % 8))) != 0)
            {
                var elements = new byte[bytes];
                ReadExactly(handle, elements, position);
                Decode(elements, p * pageSize, n, entrySize, client, chunkBytes, chunks);
            }

            position += bytes + 4;
        }
    }

    private static void Decode(byte[] elements, long first, long n, int entrySize, byte client, int chunkBytes, ChunkLocation[] chunks)
    {
        for (long i = 0; i < n; i++)
        {
            var e = elements.AsSpan((int)(i * entrySize), entrySize);
            var offset = BinaryPrimitives.ReadUInt64LittleEndian(e);
            if (offset == ulong.MaxValue)
            {
                continue;
            }

            if (client == 0)
            {
                chunks[first + i] = new ChunkLocation((long)offset, chunkBytes, 0);
                continue;
            }

            // Filtered element: address, chunk size in (entrySize - 8 - 4) bytes, filter mask.
            var sizeBytes = entrySize - 8 - 4;
            ulong size = 0;
            for (var b = sizeBytes - 1; b >= 0; b--)
            {
                size = (size << 8) | e[8 + b];
            }

            chunks[first + i] = new ChunkLocation((long)offset, checked((int)size), BinaryPrimitives.ReadUInt32LittleEndian(e[(8 + sizeBytes)..]));
        }
    }

    internal static void ReadExactly(SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = RandomAccess.Read(handle, buffer[total..], offset + total);
            if (n == 0)
            {
                throw new InvalidDataException($"Unexpected end of file at offset {offset + total}.");
            }

            total += n;
        }
    }
}
