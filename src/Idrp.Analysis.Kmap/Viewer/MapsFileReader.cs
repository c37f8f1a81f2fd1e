using Idrp.Analysis.Kmap.Hdf5;
using Idrp.Analysis.Kmap.Maps;
using PureHDF;

namespace Idrp.Analysis.Kmap.Viewer;

/// <summary>
/// The maps of a maps file (<see cref="MapExport.WriteHdf5"/>) with each point's place on the scan raster, for a viewer
/// that draws them. Arrays are indexed like <see cref="PointIndex"/>; a failed fit has NaN values.
/// </summary>
public sealed record MapsData(
    double D0,
    int[] PointIndex,
    double[] SampleX,
    double[] SampleY,
    int Columns,
    int Rows,
    int[] Column,
    int[] Row,
    (double XMin, double XMax, double YMin, double YMax, double Dx, double Dy) Extent,
    IReadOnlyDictionary<string, double[]> Maps,
    int[] FitStatus);

/// <summary>Reads a maps file from a seekable stream with PureHDF. Stateless.</summary>
public static class MapsFileReader
{
    /// <summary>The maps the file holds under /maps, by dataset name (strain, tilt_x, tilt_y, tilt, azimuth, intensity, q_norm, d_spacing, qx, qy, qz).</summary>
    public static readonly string[] MapNames = ["strain", "tilt_x", "tilt_y", "tilt", "azimuth", "intensity", "q_norm", "d_spacing", "qx", "qy", "qz"];

    /// <exception cref="KmapException">Not a maps file, or corrupt (names the dataset).</exception>
    public static MapsData Read(Stream file, string name)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!file.CanSeek)
        {
            throw new ArgumentException("The maps file must be read from a seekable stream.", nameof(file));
        }

        KmapFilters.Register();
        PureHDF.VOL.Native.NativeFile h5;
        try
        {
            h5 = H5File.Open(file, leaveOpen: true);
        }
        catch (Exception ex)
        {
            throw new KmapException($"Not a readable HDF5 file: {ex.Message}", name, null, ex);
        }

        using (h5)
        {
            IH5Group group;
            try
            {
                group = h5.Group("maps");
            }
            catch (Exception ex)
            {
                throw new KmapException($"Not a maps file: {ex.Message}", name, "/maps", ex);
            }

            var x = H5Read.Doubles(group, "sample_x", name);
            var y = H5Read.Doubles(group, "sample_y", name);
            var index = Ints(group, "point_index", name);
            var status = Ints(group, "fit_status", name);
            var maps = new Dictionary<string, double[]>(StringComparer.Ordinal);
            foreach (var map in MapNames)
            {
                var values = H5Read.Doubles(group, map, name);
                maps[map] = values.Length == x.Length ? values : throw new KmapException($"Holds {values.Length} values, {x.Length} expected.", name, "/maps/" + map);
            }

            double d0;
            try
            {
                d0 = group.Attribute("d0").Read<double>();
            }
            catch (Exception ex)
            {
                throw new KmapException($"Cannot read the d0 attribute: {ex.Message}", name, "/maps", ex);
            }

            var raster = ScanRaster.From(x, y);
            return new MapsData(d0, index, x, y, raster.Nx, raster.Ny, raster.Column, raster.Row,
                (raster.XMin, raster.XMax, raster.YMin, raster.YMax, raster.Dx, raster.Dy), maps, status);
        }
    }

    private static int[] Ints(IH5Group group, string path, string name)
    {
        try
        {
            return H5Read.Dataset(group, path, name).Read<int[]>();
        }
        catch (Exception ex) when (ex is not KmapException)
        {
            throw new KmapException($"Cannot read dataset: {ex.Message}", name, H5Read.Join(group, path), ex);
        }
    }
}
