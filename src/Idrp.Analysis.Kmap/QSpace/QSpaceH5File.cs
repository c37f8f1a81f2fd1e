using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Idrp.Analysis.Kmap.Hdf5;
using PureHDF;
using PureHDF.Selections;
using PureHDF.VOL.Native;

namespace Idrp.Analysis.Kmap.QSpace;

/// <summary>
/// Reads a file written by <see cref="QSpaceH5Writer"/>. Uncompressed cubes (the default) are read with positioned reads
/// and may be read from several threads (<see cref="SupportsConcurrentReads"/>); compressed ones go through PureHDF and
/// must be read from one thread at a time.
/// </summary>
public sealed class QSpaceH5File : IQSpaceSource, IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly NativeFile _file;
    private readonly IH5Dataset _cubes;
    private readonly ulong[] _block;
    private readonly float[] _buffer;
    private readonly ChunkIndex? _index;
    private readonly SafeFileHandle? _handle;

    private QSpaceH5File(string path)
    {
        KmapFilters.Register();
        Path = path;
        // Memory-mapped: PureHDF's default file driver makes a system call per small read, which dominates cube reads.
        try
        {
            _map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            _map?.Dispose();
            throw new KmapException($"Cannot open the Q-space file: {ex.Message}", path, null, ex);
        }

        try
        {
            try
            {
                _file = H5File.Open(_view);
            }
            catch (Exception ex)
            {
                throw new KmapException($"Not a readable HDF5 file: {ex.Message}", path, null, ex);
            }

            var qx = H5Read.Doubles(_file, "Data/qx", path);
            var qy = H5Read.Doubles(_file, "Data/qy", path);
            var qz = H5Read.Doubles(_file, "Data/qz", path);
            var box = H5Read.Doubles(_file, "Data/q_box", path);
            var grid = new QSpaceGrid(new QBox(box[0], box[1], box[2], box[3], box[4], box[5]), (qx.Length, qy.Length, qz.Length));
            var hits = ReadArray<float>("Data/histo");
            var points = ReadArray<int>("Data/point_index");
            var centroids = ReadArray<double>("Data/bin_centroids");
            Layout = new QSpaceLayout(grid, hits, points, H5Read.Doubles(_file, "Data/sample_x", path), H5Read.Doubles(_file, "Data/sample_y", path), centroids);
            _cubes = H5Read.Dataset(_file, "Data/qspace", path);
            var index = ChunkIndex.TryCreate(_cubes, path);
            if (index is { OneChunkPerSlice: true, Shuffle: false, Deflate: false, ElementSize: 4 } && _cubes.Type.Class == H5DataTypeClass.FloatingPoint)
            {
                // Uncompressed cubes, one chunk each: a cube is one positioned read, no PureHDF selection per call.
                _index = index;
                _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
            }

            _block = [1, (ulong)qx.Length, (ulong)qy.Length, (ulong)qz.Length];
            _buffer = new float[grid.BinCount];
        }
        catch
        {
            _file?.Dispose();
            _view.Dispose();
            _map.Dispose();
            throw;
        }
    }

    private T[] ReadArray<T>(string dataset)
        where T : unmanaged
    {
        try
        {
            return _file.Dataset(dataset).Read<T[]>();
        }
        catch (Exception ex)
        {
            throw new KmapException($"Cannot read Q-space metadata: {ex.Message}", Path, "/" + dataset, ex);
        }
    }

    public string Path { get; }

    /// <summary>Cubes are read straight from the chunk index (uncompressed, one chunk per cube), not through PureHDF.</summary>
    internal bool ReadsChunksDirectly => _index is not null;

    public bool SupportsConcurrentReads => _index is not null;

    public QSpaceLayout Layout { get; }

    /// <exception cref="KmapException">The file is not a Q-space file or is corrupt; names the dataset.</exception>
    public static QSpaceH5File Open(string path) => new(path);

    /// <summary>True when <paramref name="path"/> is an HDF5 file with a <c>/Data/qspace</c> dataset (what <see cref="QSpaceH5Writer"/> writes); false for anything else, including files that are not HDF5.</summary>
    public static bool IsQSpaceFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            return false;
        }

        try
        {
            using var file = H5File.OpenRead(path);
            return H5Read.Exists(file, "Data/qspace");
        }
        catch (Exception)
        {
            // Not HDF5, or unreadable: the caller's next open reports why.
            return false;
        }
    }

    public void ReadCube(int slot, Span<float> destination)
    {
        if (_index is not null)
        {
            var chunk = _index.Chunks[slot];
            var bytes = MemoryMarshal.AsBytes(destination[.._buffer.Length]);
            if (chunk.Size == 0)
            {
                bytes.Clear();
                return;
            }

            try
            {
                if (chunk.Size != bytes.Length)
                {
                    throw new InvalidDataException($"Chunk holds {chunk.Size} bytes, {bytes.Length} expected.");
                }

                ChunkIndex.ReadExactly(_handle!, bytes, chunk.Offset);
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException)
            {
                throw new KmapException($"Cannot read cube {slot}: {ex.Message}", Path, "/Data/qspace", ex);
            }

            return;
        }

        try
        {
            _cubes.Read(_buffer, fileSelection: new HyperslabSelection(4, [(ulong)slot, 0, 0, 0], _block));
        }
        catch (Exception ex)
        {
            throw new KmapException($"Cannot read cube {slot}: {ex.Message}", Path, "/Data/qspace", ex);
        }

        _buffer.CopyTo(destination);
    }

    public void Dispose()
    {
        _handle?.Dispose();
        _file.Dispose();
        _view.Dispose();
        _map.Dispose();
    }
}
