using Idrp.Analysis.Kmap.Hdf5;
using PureHDF;
using PureHDF.Filters;
using PureHDF.Selections;
using PureHDF.VOL.Native;

namespace Idrp.Analysis.Kmap.QSpace;

/// <summary>
/// Writes Q-space cubes to HDF5, X-SOCS style: /Data/qspace (points, Nx, Ny, Nz) float32 summed counts,
/// /Data/histo (Nx, Ny, Nz) float32 hits, /Data/qx, qy, qz bin centres (1/Angstrom), /Data/sample_x, sample_y
/// (micrometres), /Data/point_index; readable by h5py and silx. One chunk per cube, written as cubes arrive
/// (a lock serialises PureHDF's writer), so memory holds one cube per worker, not the data set.
/// </summary>
public sealed class QSpaceH5Writer(string path, int? compressionLevel = null) : IQSpaceSink, IDisposable
{
    private readonly Lock _lock = new();
    private H5NativeWriter? _writer;
    private H5Dataset<float[]>? _cubes;
    private float[] _buffer = [];
    private ulong[] _block = [];

    public string Path { get; } = path;

    public void Begin(QSpaceLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        KmapFilters.Register();
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
            datasetCreation: new H5DatasetCreation(Filters: filters));
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
        _writer = file.BeginWrite(Path);
        _buffer = new float[layout.Grid.BinCount];
        _block = [1, (ulong)nx, (ulong)ny, (ulong)nz];
    }

    public void Write(int slot, ReadOnlySpan<float> cube)
    {
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
        }
    }
}
