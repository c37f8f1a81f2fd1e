using Idrp.Analysis.Kmap.Hdf5;
using Idrp.Analysis.Kmap.QSpace;
using PureHDF;
using PureHDF.Selections;
using PureHDF.VOL.Native;

namespace Idrp.Analysis.Kmap.Viewer;

/// <summary>The Q grid of a Q-space file and the scan point held in each of its slots.</summary>
/// <param name="Shape">Bins along qx, qy, qz.</param>
/// <param name="Box">The gridded Q region, 1/Angstrom (bin edges).</param>
/// <param name="PointIndices">Scan point of each slot.</param>
public sealed record QSpaceSummary((int X, int Y, int Z) Shape, QBox Box, int[] PointIndices);

/// <summary>One scan point's cube, hit-normalised: mean counts per detector pixel in each bin (0 where no pixel fell).</summary>
/// <param name="Values">C order (qx slowest, qz fastest), <c>Shape.X * Shape.Y * Shape.Z</c> values.</param>
public sealed record PointCube(int PointIndex, (int X, int Y, int Z) Shape, QBox Box, float[] Values);

/// <summary>
/// Reads single cubes of a Q-space file (<see cref="QSpaceH5Writer"/>) from a seekable stream with PureHDF, for a viewer
/// that shows one scan point at a time without the whole file on a local disk. Stateless; each call opens the file.
/// </summary>
public static class QSpacePointReader
{
    /// <exception cref="KmapException">Not a Q-space file, or corrupt (names the dataset).</exception>
    public static QSpaceSummary ReadSummary(Stream file, string name)
    {
        using var h5 = Open(file, name);
        return Summary(h5, name);
    }

    /// <summary>The cube of scan point <paramref name="pointIndex"/>, or null when the file holds no such point (outside the sample ROI).</summary>
    /// <exception cref="KmapException">Not a Q-space file, or corrupt (names the dataset).</exception>
    public static PointCube? ReadPoint(Stream file, string name, int pointIndex)
    {
        using var h5 = Open(file, name);
        var summary = Summary(h5, name);
        var slot = Array.IndexOf(summary.PointIndices, pointIndex);
        if (slot < 0)
        {
            return null;
        }

        var (nx, ny, nz) = summary.Shape;
        var values = new float[nx * ny * nz];
        var hits = Floats(h5, "Data/histo", name, values.Length);
        try
        {
            H5Read.Dataset(h5, "Data/qspace", name)
                .Read(values, fileSelection: new HyperslabSelection(4, [(ulong)slot, 0, 0, 0], [1, (ulong)nx, (ulong)ny, (ulong)nz]));
        }
        catch (Exception ex) when (ex is not KmapException)
        {
            throw new KmapException($"Cannot read cube {slot}: {ex.Message}", name, "/Data/qspace", ex);
        }

        for (var i = 0; i < values.Length; i++)
        {
            values[i] = hits[i] > 0 ? values[i] / hits[i] : 0;
        }

        return new PointCube(pointIndex, summary.Shape, summary.Box, values);
    }

    private static NativeFile Open(Stream file, string name)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!file.CanSeek)
        {
            throw new ArgumentException("The Q-space file must be read from a seekable stream.", nameof(file));
        }

        KmapFilters.Register();
        try
        {
            return H5File.Open(file, leaveOpen: true);
        }
        catch (Exception ex)
        {
            throw new KmapException($"Not a readable HDF5 file: {ex.Message}", name, null, ex);
        }
    }

    private static QSpaceSummary Summary(NativeFile h5, string name)
    {
        var qx = H5Read.Doubles(h5, "Data/qx", name);
        var qy = H5Read.Doubles(h5, "Data/qy", name);
        var qz = H5Read.Doubles(h5, "Data/qz", name);
        var box = H5Read.Doubles(h5, "Data/q_box", name);
        if (box.Length != 6)
        {
            throw new KmapException($"q_box holds {box.Length} values, 6 expected.", name, "/Data/q_box");
        }

        int[] points;
        try
        {
            points = H5Read.Dataset(h5, "Data/point_index", name).Read<int[]>();
        }
        catch (Exception ex) when (ex is not KmapException)
        {
            throw new KmapException($"Cannot read the point indices: {ex.Message}", name, "/Data/point_index", ex);
        }

        return new QSpaceSummary((qx.Length, qy.Length, qz.Length), new QBox(box[0], box[1], box[2], box[3], box[4], box[5]), points);
    }

    private static float[] Floats(NativeFile h5, string path, string name, int expected)
    {
        float[] values;
        try
        {
            values = H5Read.Dataset(h5, path, name).Read<float[]>();
        }
        catch (Exception ex) when (ex is not KmapException)
        {
            throw new KmapException($"Cannot read dataset: {ex.Message}", name, "/" + path, ex);
        }

        return values.Length == expected ? values : throw new KmapException($"Holds {values.Length} values, {expected} expected.", name, "/" + path);
    }
}
