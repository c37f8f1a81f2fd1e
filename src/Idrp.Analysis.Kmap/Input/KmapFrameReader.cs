using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using Idrp.Analysis.Kmap.Hdf5;
using PureHDF;
using PureHDF.Selections;
using PureHDF.VOL.Native;

namespace Idrp.Analysis.Kmap.Input;

/// <summary>Element type of stored detector frames.</summary>
public enum FrameElementType
{
    UInt16,
    Int32,
}

/// <summary>
/// Reads single detector frames of a <see cref="KmapDataset"/>. Owns its file handles and buffers: not thread-safe,
/// open one per worker (<see cref="KmapDataset.OpenFrames"/>). Chunked frames with shuffle/deflate are decoded
/// directly from the chunk index (<see cref="ChunkedFrameDecoder"/>); anything else (virtual datasets, other
/// filters) goes through PureHDF on a memory-mapped file. Memory is one frame's chunks whatever the file size.
/// </summary>
public sealed class KmapFrameReader : IDisposable
{
    private readonly KmapDataset _dataset;
    private readonly ChunkedFrameDecoder _decoder = new();
    private readonly ulong[] _start = new ulong[3];
    private readonly ulong[] _block;
    private MemoryMappedFile? _map;
    private MemoryMappedViewAccessor? _view;
    private NativeFile? _file;
    private IH5Dataset?[]? _images;

    internal KmapFrameReader(KmapDataset dataset)
    {
        KmapFilters.Register();
        _dataset = dataset;
        var (rows, cols) = dataset.FrameShape;
        _block = [1, (ulong)rows, (ulong)cols];
    }

    public FrameElementType ElementType => _dataset.ElementType;

    /// <summary>Pixels per frame.</summary>
    public int FrameLength => _dataset.FrameShape.Rows * _dataset.FrameShape.Columns;

    /// <summary>Reads the frame of scan point <paramref name="point"/> in entry <paramref name="entry"/> into <paramref name="destination"/> (exactly <see cref="FrameLength"/> long).</summary>
    /// <exception cref="KmapException">The chunk data are corrupt or truncated; names the dataset.</exception>
    public void ReadFrame<T>(int entry, int point, T[] destination)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentOutOfRangeException.ThrowIfNotEqual(destination.Length, FrameLength);
        var e = _dataset.Entries[entry];
        var frame = e.FirstFrame + point;
        try
        {
            if (e.Chunks is { } index && index.ElementSize == Marshal.SizeOf<T>())
            {
                _decoder.ReadFrame(index, frame, MemoryMarshal.AsBytes(destination.AsSpan()));
                return;
            }

            _start[0] = (ulong)frame;
            Fallback(entry).Read(destination, fileSelection: new HyperslabSelection(3, _start, _block));
        }
        catch (Exception ex) when (ex is not KmapException)
        {
            throw new KmapException($"Cannot read frame {point} of entry '{e.Name}': {ex.Message}", _dataset.Path, e.ImageDataset, ex);
        }
    }

    /// <summary>
    /// When the entry's uint16 frames are decoded from the chunk index, adds frame <paramref name="point"/> of
    /// <paramref name="entry"/> into <paramref name="cube"/> through <paramref name="table"/> straight from the inflated
    /// chunks and returns true; otherwise does nothing and returns false (read the frame, then bin it).
    /// </summary>
    /// <exception cref="KmapException">The chunk data are corrupt or truncated; names the dataset.</exception>
    internal bool TryBinFrame(int entry, int point, ReadOnlySpan<int> table, Span<float> cube, float scale)
    {
        var e = _dataset.Entries[entry];
        if (e.Chunks is not { ElementSize: 2 } index || _dataset.ElementType != FrameElementType.UInt16)
        {
            return false;
        }

        try
        {
            _decoder.BinFrame(index, e.FirstFrame + point, table, cube, scale);
            return true;
        }
        catch (Exception ex) when (ex is not KmapException)
        {
            throw new KmapException($"Cannot read frame {point} of entry '{e.Name}': {ex.Message}", _dataset.Path, e.ImageDataset, ex);
        }
    }

    private IH5Dataset Fallback(int entry)
    {
        if (_file is null)
        {
            if (_dataset.Layout == KmapLayout.XsocsMerged)
            {
                // External links are resolved relative to the master's folder, which a memory-mapped file does not know.
                _file = KmapDataset.OpenFile(_dataset.Path);
            }
            else
            {
                // PureHDF's default file driver issues a system call per small read; a memory map avoids them.
                _map = MemoryMappedFile.CreateFromFile(_dataset.Path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
                _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
                _file = H5File.Open(_view);
            }

            _images = new IH5Dataset?[_dataset.Entries.Count];
        }

        return _images![entry] ??= H5Read.Dataset(_file, _dataset.Entries[entry].ImageDataset, _dataset.Path);
    }

    public void Dispose()
    {
        _decoder.Dispose();
        _file?.Dispose();
        _view?.Dispose();
        _map?.Dispose();
    }
}
