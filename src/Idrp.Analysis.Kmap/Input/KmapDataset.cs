using System.Globalization;
using Idrp.Analysis.Kmap.Hdf5;
using PureHDF;
using PureHDF.VOL.Native;

namespace Idrp.Analysis.Kmap.Input;

/// <summary>Layout of a KMAP file set.</summary>
public enum KmapLayout
{
    /// <summary>X-SOCS merged layout: a master file with one external link per rocking angle.</summary>
    XsocsMerged,

    /// <summary>ESRF BLISS HDF5 (ID01 since 2020): scans "N.1" with instrument/positioners and a lima detector.</summary>
    Id01Bliss,
}

/// <summary>
/// A KMAP opened for reading: its entries (rocking angles), their geometry and the sample position of
/// every scan point. Holds no file handle; <see cref="OpenFrames"/> opens one per reader so that
/// workers read in parallel. Immutable and thread-safe.
/// </summary>
public sealed class KmapDataset
{
    private KmapDataset(string path, KmapLayout layout, IReadOnlyList<KmapEntry> entries, int pointCount, double[] sampleX, double[] sampleY)
    {
        Path = path;
        Layout = layout;
        Entries = entries;
        PointCount = pointCount;
        SampleX = sampleX;
        SampleY = sampleY;
    }

    /// <summary>The master (merged layout) or scan file (BLISS).</summary>
    public string Path { get; }

    public KmapLayout Layout { get; }

    /// <summary>Entries in file order (X-SOCS sorts nothing either).</summary>
    public IReadOnlyList<KmapEntry> Entries { get; }

    /// <summary>Scan points per entry; frame k of every entry belongs to scan point k.</summary>
    public int PointCount { get; }

    /// <summary>Sample x of each point in micrometres, averaged over the entries.</summary>
    public IReadOnlyList<double> SampleX { get; }

    /// <summary>Sample y of each point in micrometres, averaged over the entries.</summary>
    public IReadOnlyList<double> SampleY { get; }

    /// <summary>Element type of the stored frames.</summary>
    public FrameElementType ElementType { get; private init; }

    /// <summary>Detector frame shape, the same for every entry.</summary>
    public (int Rows, int Columns) FrameShape => Entries[0].Geometry.DetectorShape;

    /// <summary>Opens a KMAP, detecting the layout: root children that are external links mean X-SOCS merged, "N.1" scans with a lima detector mean BLISS.</summary>
    /// <exception cref="KmapException">The file is missing, corrupt, truncated, or lacks a dataset the layout needs (named in the exception).</exception>
    public static KmapDataset Open(string path, KmapReadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= KmapReadOptions.Default;
        if (!File.Exists(path))
        {
            throw new KmapException("KMAP file not found.", path);
        }

        using var file = OpenFile(path);
        var names = ChildNames(file, path);
        if (names.Count == 0)
        {
            throw new KmapException("The file has no entries.", path);
        }

        var first = file.Group(names[0]);
        var dataset = H5Read.Exists(first, "measurement/image/data")
            ? ReadMerged(path, file, names, options)
            : Id01BlissReader.Read(path, file, names, options);
        var image = H5Read.Dataset(file, dataset.Entries[0].ImageDataset, path);
        var type = image.Type;
        return new KmapDataset(path, dataset.Layout, dataset.Entries, dataset.PointCount, (double[])dataset.SampleX, (double[])dataset.SampleY)
        {
            ElementType = (type.Class, type.Size) switch
            {
                (H5DataTypeClass.FixedPoint, 2) when !type.FixedPoint.IsSigned => FrameElementType.UInt16,
                (H5DataTypeClass.FixedPoint, 4) => FrameElementType.Int32,
                _ => throw new KmapException($"Frames of type {type.Class} ({type.Size} bytes) are not supported; uint16 and (u)int32 are.", path, dataset.Entries[0].ImageDataset),
            },
        };
    }

    internal static NativeFile OpenFile(string path)
    {
        try
        {
            return H5File.OpenRead(path);
        }
        catch (Exception ex)
        {
            throw new KmapException($"Not a readable HDF5 file: {ex.Message}", path, null, ex);
        }
    }

    internal static List<string> ChildNames(IH5Group group, string path)
    {
        try
        {
            var names = new List<string>();
            foreach (var child in group.Children())
            {
                names.Add(child.Name);
            }

            return names;
        }
        catch (Exception ex)
        {
            throw new KmapException($"Cannot list the root group: {ex.Message}", path, "/", ex);
        }
    }

    /// <summary>Opens a frame reader with its own file handles; dispose it when done. One reader per thread.</summary>
    public KmapFrameReader OpenFrames() => new(this);

    internal static KmapDataset Create(string path, KmapLayout layout, List<KmapEntry> entries, int points, double[] x, double[] y) =>
        new(path, layout, entries, points, x, y);

    private static KmapDataset ReadMerged(string path, NativeFile file, List<string> names, KmapReadOptions options)
    {
        var entries = new List<KmapEntry>(names.Count);
        var points = -1;
        double[]? sumX = null, sumY = null;
        (int, int) shape = default;
        foreach (var name in names)
        {
            IH5Group g;
            try
            {
                g = file.Group(name);
            }
            catch (Exception ex)
            {
                throw new KmapException($"Cannot open entry (broken external link?): {ex.Message}", path, "/" + name, ex);
            }

            var image = H5Read.Dataset(g, "measurement/image/data", path);
            var dims = image.Space.Dimensions;
            if (dims.Length != 3)
            {
                throw new KmapException($"Frames must be 3-D (points, rows, columns), found rank {dims.Length}.", path, $"/{name}/measurement/image/data");
            }

            var n = checked((int)dims[0]);
            var thisShape = (checked((int)dims[1]), checked((int)dims[2]));
            if (points < 0)
            {
                points = n;
                shape = thisShape;
                sumX = new double[n];
                sumY = new double[n];
            }
            else if (n != points || thisShape != shape)
            {
                throw new KmapException(
                    string.Create(CultureInfo.InvariantCulture, $"Entry has {n} frames of {thisShape}, the first entry {points} of {shape}."),
                    path, $"/{name}/measurement/image/data");
            }

            const string det = "instrument/detector/";
            var roi = H5Read.Exists(g, det + "image_roi_offset") ? H5Read.Doubles(g, det + "image_roi_offset", path) : [0, 0];
            var geometry = new KmapGeometry(
                Eta: H5Read.Double(g, "instrument/positioners/eta", path),
                Phi: H5Read.Double(g, "instrument/positioners/phi", path),
                Nu: H5Read.Double(g, "instrument/positioners/nu", path),
                Delta: H5Read.Double(g, "instrument/positioners/del", path),
                BeamEnergy: H5Read.Double(g, det + "beam_energy", path),
                CenterChannel: (H5Read.Double(g, det + "center_chan_dim0", path), H5Read.Double(g, det + "center_chan_dim1", path)),
                ChannelsPerDegree: (H5Read.Double(g, det + "chan_per_deg_dim0", path), H5Read.Double(g, det + "chan_per_deg_dim1", path)),
                DetectorShape: thisShape,
                RoiOffset: ((int)roi[0], (int)roi[1]));
            AddPositions(g, options.SampleXDataset, sumX!, path);
            AddPositions(g, options.SampleYDataset, sumY!, path);
            var monitor = H5Read.Exists(g, options.MonitorDataset) ? H5Read.Doubles(g, options.MonitorDataset, path) : null;
            if (monitor is not null && monitor.Length != n)
            {
                throw new KmapException("Monitor length differs from the number of frames.", path, $"/{name}/{options.MonitorDataset}");
            }

            entries.Add(new KmapEntry(name, geometry, $"{name}/measurement/image/data", 0, monitor) { Chunks = ChunkIndex.TryCreate(image) });
        }

        for (var k = 0; k < points; k++)
        {
            sumX![k] /= entries.Count;
            sumY![k] /= entries.Count;
        }

        return new KmapDataset(path, KmapLayout.XsocsMerged, entries, points, sumX!, sumY!);
    }

    private static void AddPositions(IH5Group g, string dataset, double[] sum, string path)
    {
        if (!H5Read.Exists(g, dataset))
        {
            return;
        }

        var values = H5Read.Doubles(g, dataset, path);
        if (values.Length != sum.Length)
        {
            throw new KmapException("Sample position length differs from the number of frames.", path, H5Read.Join(g, dataset));
        }

        for (var k = 0; k < sum.Length; k++)
        {
            sum[k] += values[k];
        }
    }
}
