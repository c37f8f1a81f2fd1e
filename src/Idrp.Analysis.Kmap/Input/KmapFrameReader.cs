using Idrp.Analysis.Kmap.Hdf5;
using PureHDF;
using PureHDF.VOL.Native;
using PureHDF.Selections;

namespace Idrp.Analysis.Kmap.Input;

/// <summary>Element type of stored detector frames.</summary>
public enum FrameElementType
{
    UInt16,
    Int32,
}

/// <summary>
/// Reads single detector frames of a <see cref="KmapDataset"/>. Owns its file handles: not thread-safe,
/// open one per worker (<see cref="KmapDataset.OpenFrames"/>). Frames are decoded chunk by chunk by PureHDF
/// (shuffle and deflate registered by <see cref="KmapFilters"/>), so memory is one frame whatever the file size.
/// </summary>
public sealed class KmapFrameReader : IDisposable
{
    private readonly KmapDataset _dataset;
    private readonly NativeFile _file;
    private readonly IH5Dataset[] _images;
    private readonly ulong[] _start = new ulong[3];
    private readonly ulong[] _block;

    internal KmapFrameReader(KmapDataset dataset)
    {
        KmapFilters.Register();
        _dataset = dataset;
        _file = KmapDataset.OpenFile(dataset.Path);
        _images = new IH5Dataset[dataset.Entries.Count];
        for (var e = 0; e < _images.Length; e++)
        {
            _images[e] = H5Read.Dataset(_file, dataset.Entries[e].ImageDataset, dataset.Path);
        }

        var type = _images[0].Type;
        ElementType = (type.Class, type.Size) switch
        {
            (H5DataTypeClass.FixedPoint, 2) when !type.FixedPoint.IsSigned => FrameElementType.UInt16,
            (H5DataTypeClass.FixedPoint, 4) => FrameElementType.Int32,
            _ => throw new KmapException($"Frames of type {type.Class} ({type.Size} bytes) are not supported; uint16 and (u)int32 are.", dataset.Path, dataset.Entries[0].ImageDataset),
        };
        var (rows, cols) = dataset.FrameShape;
        _block = [1, (ulong)rows, (ulong)cols];
    }

    public FrameElementType ElementType { get; }

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
        _start[0] = (ulong)(e.FirstFrame + point);
        try
        {
            _images[entry].Read(destination, fileSelection: new HyperslabSelection(3, _start, _block));
        }
        catch (Exception ex)
        {
            throw new KmapException($"Cannot read frame {point} of entry '{e.Name}': {ex.Message}", _dataset.Path, e.ImageDataset, ex);
        }
    }

    public void Dispose() => _file.Dispose();
}
