using System.Runtime.InteropServices;
using Idrp.Analysis.Kmap.Hdf5;
using Microsoft.Win32.SafeHandles;
using PureHDF;
using PureHDF.Filters;
using PureHDF.Selections;
using PureHDF.VOL.Native;

namespace Idrp.Analysis.Kmap.QSpace;

/// <summary>
/// Writes Q-space cubes to HDF5, X-SOCS style: /Data/qspace (points, Nx, Ny, Nz) float32 summed counts,
/// /Data/histo (Nx, Ny, Nz) float32 hits, /Data/qx, qy, qz bin centres (1/Angstrom), /Data/sample_x, sample_y
/// (micrometres), /Data/point_index; readable by h5py and silx. One chunk per cube, written as cubes arrive, so
/// memory holds no cube beyond the caller's.
/// </summary>
/// <remarks>
/// Uncompressed (the default): PureHDF writes the whole file at <see cref="Begin"/> with the cube chunks' space
/// allocated but empty (an implicit chunk index: chunk k at a fixed offset), and each <see cref="Write"/> is one
/// positioned write of the cube's bytes at its chunk's offset, from any thread, without a lock or a copy.
/// Compressed (or when that layout is not what PureHDF wrote, e.g. a single point): cubes go through PureHDF's writer
/// under a lock, one chunk held at a time (<see cref="OneChunkWritingCache"/>).
/// </remarks>
public sealed class QSpaceH5Writer(string path, int? compressionLevel = null) : IQSpaceSink, IDisposable
{
    private readonly Lock _lock = new();
    private H5NativeWriter? _writer;
    private H5Dataset<float[]>? _cubes;
    private float[] _buffer = [];
    private ulong[] _block = [];
    private ChunkIndex? _direct;
    private SafeFileHandle? _handle;

    public string Path { get; } = path;

    /// <summary>True when cubes are written with positioned writes at their chunk offsets (see remarks).</summary>
    internal bool WritesChunksDirectly => _direct is not null;

    public void Begin(QSpaceLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        KmapFilters.Register();
        if (compressionLevel is null && layout.PointIndices.Length > 1 && BitConverter.IsLittleEndian)
        {
            // The file first, cubes later: the chunk space is allocated when the dataset is created.
            CreateFile(layout).Dispose();
            _direct = DirectIndex(layout);
            if (_direct is not null)
            {
                _handle = File.OpenHandle(Path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, FileOptions.RandomAccess);
                return;
            }
        }

        _writer = CreateFile(layout);
        _buffer = new float[layout.Grid.BinCount];
    }

    private H5NativeWriter CreateFile(QSpaceLayout layout)
    {
        var (nx, ny, nz) = layout.Grid.Shape;
        var filters = new List<H5Filter>();
        if (compressionLevel is { } level)
        {
            filters.Add(ShuffleFilter.Id);
            filters.Add(new H5Filter(DeflateFilter.Id, new() { [DeflateFilter.COMPRESSION_LEVEL] = level }));
        }

        _cubes = new H5Dataset<float[]>(
            fileDims: [(ulong)layout.PointIndices.Length, (ulong)nx, (ulong)ny, (ulong)nz],
            chunks: [1, (uint)nx, (uint)ny, (uint)nz],
            datasetCreation: new H5DatasetCreation(ChunkCache: new OneChunkWritingCache(), Filters: filters));
        _cubes.Attributes["units"] = "counts";
        _cubes.Attributes["description"] = "Sum of the counts of every pixel that falls in the bin, per scan point; divide by histo for the mean per pixel.";
        var histo = new H5Dataset(layout.Hits, fileDims: [(ulong)nx, (ulong)ny, (ulong)nz]);
        var b = layout.Grid.Box;
        var data = new H5Group
        {
            ["qspace"] = _cubes,
            ["histo"] = histo,
            ["qx"] = layout.Grid.AxisX,
            ["qy"] = layout.Grid.AxisY,
            ["qz"] = layout.Grid.AxisZ,
            ["bin_centroids"] = new H5Dataset(layout.Centroids, fileDims: [(ulong)nx, (ulong)ny, (ulong)nz, 3]),
            ["q_box"] = new[] { b.XMin, b.XMax, b.YMin, b.YMax, b.ZMin, b.ZMax },
            ["sample_x"] = layout.SampleX,
            ["sample_y"] = layout.SampleY,
            ["point_index"] = layout.PointIndices,
        };
        data.Attributes["q_units"] = "1/Angstrom, sample frame";
        var file = new H5File { ["Data"] = data };
        file.Attributes["creator"] = "Idrp.Analysis.Kmap";
        _block = [1, (ulong)nx, (ulong)ny, (ulong)nz];
        return file.BeginWrite(Path);
    }

    /// <summary>The chunk offsets of the cubes just written by PureHDF, when they are uncompressed float32 chunks of one cube each.</summary>
    private ChunkIndex? DirectIndex(QSpaceLayout layout)
    {
        using var file = H5File.OpenRead(Path);
        var index = ChunkIndex.TryCreate(file.Dataset("Data/qspace"), Path);
        return index is { OneChunkPerSlice: true, Shuffle: false, Deflate: false, ElementSize: 4 }
            && index.Chunks.Length == layout.PointIndices.Length
            && index.Chunks.All(c => c.Size == layout.Grid.BinCount * sizeof(float))
            ? index
            : null;
    }

    public void Write(int slot, ReadOnlySpan<float> cube)
    {
        if (_direct is { } index)
        {
            RandomAccess.Write(_handle!, MemoryMarshal.AsBytes(cube), index.Chunks[slot].Offset);
            return;
        }

        lock (_lock)
        {
            cube.CopyTo(_buffer);
            _writer!.Write(_cubes!, _buffer, fileSelection: new HyperslabSelection(4, [(ulong)slot, 0, 0, 0], _block));
        }
    }

    public void Complete() => Dispose();

    public void Dispose()
    {
        lock (_lock)
        {
            _writer?.Dispose();
            _writer = null;
            _handle?.Dispose();
            _handle = null;
        }
    }
}
