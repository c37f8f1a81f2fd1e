using System.Globalization;
using System.Text;
using Idrp.Analysis.Kmap.Fit;
using PureHDF;
using ScottPlot;

namespace Idrp.Analysis.Kmap.Maps;

/// <summary>Which map a PNG shows.</summary>
public enum MapKind
{
    Strain,
    TiltX,
    TiltY,
    Tilt,
    Azimuth,
    QNorm,
    DSpacing,
    Intensity,
}

/// <summary>Writes <see cref="KmapMaps"/> as CSV, HDF5 and PNG heatmaps. Writers use the invariant culture. Static and thread-safe.</summary>
public static class MapExport
{
    /// <summary>CSV header, one row per point follows.</summary>
    public const string CsvHeader =
        "point_index,sample_x_um,sample_y_um,qx,qy,qz,q_norm,d_spacing,strain,tilt_x_deg,tilt_y_deg,tilt_deg,azimuth_deg,"
        + "width_qx,width_qy,width_qz,amplitude_qx,amplitude_qy,amplitude_qz,fit_status";

    /// <summary>
    /// One row per fitted point: Q in 1/Angstrom (sample frame), d in Angstrom, angles in degrees, positions in micrometres;
    /// fit_status is "ok" or the <see cref="FitStatus"/> flags per axis as "x:...;y:...;z:...". Numbers use "R" round-trip format.
    /// </summary>
    public static void WriteCsv(KmapMaps maps, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(maps);
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(CsvHeader);
        writer.Write('\n');
        var line = new StringBuilder(256);
        for (var i = 0; i < maps.Points.Count; i++)
        {
            var p = maps.Points[i];
            line.Clear();
            line.Append(p.PointIndex.ToString(CultureInfo.InvariantCulture));
            Append(line, p.SampleX);
            Append(line, p.SampleY);
            Append(line, maps.Qx[i]);
            Append(line, maps.Qy[i]);
            Append(line, maps.Qz[i]);
            Append(line, maps.QNorm[i]);
            Append(line, maps.DSpacing[i]);
            Append(line, maps.Strain[i]);
            Append(line, maps.TiltX[i]);
            Append(line, maps.TiltY[i]);
            Append(line, maps.Tilt[i]);
            Append(line, maps.Azimuth[i]);
            Append(line, p.X.Width);
            Append(line, p.Y.Width);
            Append(line, p.Z.Width);
            Append(line, p.X.Amplitude);
            Append(line, p.Y.Amplitude);
            Append(line, p.Z.Amplitude);
            line.Append(',').Append(StatusText(p));
            line.Append('\n');
            writer.Write(line);
        }
    }

    public static void WriteCsv(KmapMaps maps, string path)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false));
        WriteCsv(maps, writer);
    }

    /// <summary>Status text of a point in the CSV.</summary>
    public static string StatusText(PointFit point)
    {
        ArgumentNullException.ThrowIfNull(point);
        return point.Status == FitStatus.Ok
            ? "ok"
            : string.Create(CultureInfo.InvariantCulture, $"x:{point.X.Status};y:{point.Y.Status};z:{point.Z.Status}").Replace(", ", "|", StringComparison.Ordinal);
    }

    /// <summary>HDF5 with one 1-D dataset per map (indexed like the points) under /maps, plus d0 and units as attributes.</summary>
    public static void WriteHdf5(KmapMaps maps, string path)
    {
        ArgumentNullException.ThrowIfNull(maps);
        var n = maps.Points.Count;
        var index = new int[n];
        var x = new double[n];
        var y = new double[n];
        var status = new int[n];
        for (var i = 0; i < n; i++)
        {
            index[i] = maps.Points[i].PointIndex;
            x[i] = maps.Points[i].SampleX;
            y[i] = maps.Points[i].SampleY;
            status[i] = (int)maps.Points[i].X.Status | ((int)maps.Points[i].Y.Status << 4) | ((int)maps.Points[i].Z.Status << 8);
        }

        var group = new H5Group
        {
            ["point_index"] = index,
            ["sample_x"] = With(x, "micrometre"),
            ["sample_y"] = With(y, "micrometre"),
            ["qx"] = With(maps.Qx, "1/Angstrom"),
            ["qy"] = With(maps.Qy, "1/Angstrom"),
            ["qz"] = With(maps.Qz, "1/Angstrom"),
            ["q_norm"] = With(maps.QNorm, "1/Angstrom"),
            ["d_spacing"] = With(maps.DSpacing, "Angstrom"),
            ["strain"] = With(maps.Strain, "1"),
            ["tilt_x"] = With(maps.TiltX, "degree"),
            ["tilt_y"] = With(maps.TiltY, "degree"),
            ["tilt"] = With(maps.Tilt, "degree"),
            ["azimuth"] = With(maps.Azimuth, "degree"),
            ["intensity"] = With(maps.Intensity, "counts per pixel"),
            ["fit_status"] = status,
        };
        group.Attributes["d0"] = maps.D0;
        group.Attributes["q_frame"] = "sample frame (ID01: eta y-, phi z-; beam along +x at zero angles)";
        group.Attributes["fit_status_bits"] = "x status | y status << 4 | z status << 8; 1 no data, 2 not converged, 4 centre outside range";
        new H5File { ["maps"] = group }.Write(path);
    }

    /// <summary>
    /// A heatmap of one map over the scan raster (inferred from the sample positions), axes in micrometres, with a colour bar.
    /// </summary>
    public static void WritePng(KmapMaps maps, MapKind kind, string path, int width = 800, int height = 640)
    {
        ArgumentNullException.ThrowIfNull(maps);
        var values = kind switch
        {
            MapKind.Strain => maps.Strain,
            MapKind.TiltX => maps.TiltX,
            MapKind.TiltY => maps.TiltY,
            MapKind.Tilt => maps.Tilt,
            MapKind.Azimuth => maps.Azimuth,
            MapKind.QNorm => maps.QNorm,
            MapKind.DSpacing => maps.DSpacing,
            _ => maps.Intensity,
        };
        var (title, unit) = kind switch
        {
            MapKind.Strain => ("Strain d/d0 - 1", ""),
            MapKind.TiltX => ("Tilt x = atan2(qx, qz)", "deg"),
            MapKind.TiltY => ("Tilt y = atan2(qy, qz)", "deg"),
            MapKind.Tilt => ("Tilt magnitude", "deg"),
            MapKind.Azimuth => ("Tilt azimuth", "deg"),
            MapKind.QNorm => ("|Q|", "1/Angstrom"),
            MapKind.DSpacing => ("d-spacing", "Angstrom"),
            _ => ("Intensity", "counts/pixel"),
        };
        var raster = ScanRaster.From(maps.Points);
        var data = new double[raster.Ny, raster.Nx];
        for (var r = 0; r < raster.Ny; r++)
        {
            for (var c = 0; c < raster.Nx; c++)
            {
                data[r, c] = double.NaN;
            }
        }

        for (var i = 0; i < values.Length; i++)
        {
            // ScottPlot draws row 0 at the top; put the smallest y at the bottom.
            data[raster.Ny - 1 - raster.Row[i], raster.Column[i]] = values[i];
        }

        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(data);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.Extent = new CoordinateRect(raster.XMin - (raster.Dx / 2), raster.XMax + (raster.Dx / 2), raster.YMin - (raster.Dy / 2), raster.YMax + (raster.Dy / 2));
        var bar = plot.Add.ColorBar(heatmap);
        bar.Label = unit;
        plot.Title(title);
        plot.XLabel("sample x (µm)");
        plot.YLabel("sample y (µm)");
        plot.Axes.SquareUnits();
        plot.SavePng(path, width, height);
    }

    private static H5Dataset With(double[] values, string unit)
    {
        var ds = new H5Dataset(values);
        ds.Attributes["units"] = unit;
        return ds;
    }

    private static void Append(StringBuilder sb, double value) =>
        sb.Append(',').Append(double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture) : "nan");
}
