using Idrp.Analysis.Kmap.Hdf5;
using PureHDF;
using PureHDF.Selections;
using PureHDF.VOL.Native;

namespace Idrp.Analysis.Kmap.QSpace;

/// <summary>Reads a file written by <see cref="QSpaceH5Writer"/>. Not thread-safe (one PureHDF handle); open one per thread.</summary>
public sealed class QSpaceH5File : IQSpaceSource, IDisposable
{
    private readonly NativeFile _file;
    private readonly IH5Dataset _cubes;
    private readonly ulong[] _block;
    private readonly float[] _buffer;

    private QSpaceH5File(string path)
    {
        KmapFilters.Register();
        Path = path;
        _file = Input.KmapDataset.OpenFile(path);
        var qx = H5Read.Doubles(_file, "Data/qx", path);
        var qy = H5Read.Doubles(_file, "Data/qy", path);
        var qz = H5Read.Doubles(_file, "Data/qz", path);
        var box = H5Read.Doubles(_file, "Data/q_box", path);
        var grid = new QSpaceGrid(new QBox(box[0], box[1], box[2], box[3], box[4], box[5]), (qx.Length, qy.Length, qz.Length));
        float[] hits;
        int[] points;
        try
        {
            hits = _file.Dataset("Data/histo").Read<float[]>();
            points = _file.Dataset("Data/point_index").Read<int[]>();
        }
        catch (Exception ex)
        {
            throw new KmapException($"Cannot read Q-space metadata: {ex.Message}", path, "/Data", ex);
        }

        double[] centroids;
        try
        {
            centroids = _file.Dataset("Data/bin_centroids").Read<double[]>();
        }
        catch (Exception ex)
        {
            throw new KmapException($"Cannot read bin centroids: {ex.Message}", path, "/Data/bin_centroids", ex);
        }

        Layout = new QSpaceLayout(grid, hits, points, H5Read.Doubles(_file, "Data/sample_x", path), H5Read.Doubles(_file, "Data/sample_y", path), centroids);
        _cubes = H5Read.Dataset(_file, "Data/qspace", path);
        _block = [1, (ulong)qx.Length, (ulong)qy.Length, (ulong)qz.Length];
        _buffer = new float[grid.BinCount];
    }

    public string Path { get; }

    public QSpaceLayout Layout { get; }

    /// <exception cref="KmapException">The file is not a Q-space file or is corrupt; names the dataset.</exception>
    public static QSpaceH5File Open(string path) => new(path);

    public void ReadCube(int slot, Span<float> destination)
    {
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

    public void Dispose() => _file.Dispose();
}
