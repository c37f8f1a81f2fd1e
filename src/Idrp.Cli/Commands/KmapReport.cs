using System.Globalization;
using Idrp.Analysis.Kmap.Fit;
using Idrp.Analysis.Kmap.Input;
using Idrp.Analysis.Kmap.Maps;
using Idrp.Analysis.Kmap.QSpace;

namespace Idrp.Cli.Commands;

/// <summary>What <c>idrp kmap</c> prints on stdout: plain aligned lines, invariant culture, units always given.</summary>
internal static class KmapReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static void DatasetInfo(KmapDataset dataset)
    {
        var entries = dataset.Entries;
        var g0 = entries[0].Geometry;
        Line("file", dataset.Path);
        Line("layout", dataset.Layout == KmapLayout.XsocsMerged ? $"X-SOCS merged, {entries.Count} entries" : $"ID01 BLISS, {entries.Count} entries");
        Line("scan points", $"{dataset.PointCount}, sample x {Range(dataset.SampleX, "F3")} µm, y {Range(dataset.SampleY, "F3")} µm");
        Line("frames", $"{dataset.FrameShape.Rows} x {dataset.FrameShape.Columns} {dataset.ElementType.ToString().ToLowerInvariant()}, {(long)dataset.PointCount * entries.Count} in all");
        Line("energy", S($"{g0.BeamEnergy:0.###} eV (wavelength {g0.Wavelength:F5} Å)"));
        var etas = entries.Select(e => e.Geometry.Eta).Order().ToArray();
        var step = QSpaceConverter.RockingStepInQx(dataset) is not null ? S($", {etas.Length} even steps of {(etas[^1] - etas[0]) / (etas.Length - 1):0.#####}°") : "";
        Line("eta", Range(etas, "0.#####") + "°" + step);
        Line("phi, nu, delta", string.Join(", ", new[] { Distinct(entries.Select(e => e.Geometry.Phi)), Distinct(entries.Select(e => e.Geometry.Nu)), Distinct(entries.Select(e => e.Geometry.Delta)) }) + "°");
        Line("detector", S($"centre channel ({g0.CenterChannel.Dim0:0.###}, {g0.CenterChannel.Dim1:0.###}), {g0.ChannelsPerDegree.Dim0:0.###} x {g0.ChannelsPerDegree.Dim1:0.###} channels per degree, ROI offset ({g0.RoiOffset.Rows}, {g0.RoiOffset.Columns})"));
        Line("monitor", entries.All(e => e.Monitor is not null) ? "yes (--normalize monitor)" : entries.Any(e => e.Monitor is not null) ? "in some entries only" : "no");
        var grid = QSpaceConverter.GridFor(dataset, new QSpaceOptions());
        Grid("default grid", grid);
        Line("entries", string.Join(", ", entries.Take(4).Select(e => e.Name)) + (entries.Count > 4 ? $", … {entries[^1].Name}" : ""));
    }

    public static void QSpaceInfo(QSpaceH5File file)
    {
        var layout = file.Layout;
        Line("file", file.Path);
        Line("layout", "Q-space cubes (idrp kmap convert)");
        Line("scan points", $"{layout.PointIndices.Length}, sample x {Range(layout.SampleX, "F3")} µm, y {Range(layout.SampleY, "F3")} µm");
        Grid("grid", layout.Grid);
        double hits = 0;
        foreach (var h in layout.Hits)
        {
            hits += h;
        }

        Line("hits", S($"{hits:0} pixels in the grid over all entries"));
    }

    public static void Converted(KmapDataset dataset, QSpaceResult result, TimeSpan elapsed, string target)
    {
        var t = result.Timings;
        Line("converted", S($"{result.Layout.PointIndices.Length} scan points x {dataset.Entries.Count} entries ({result.FramesRead} frames, {result.PixelsRead / 1e9:F3} Gpixel) in {elapsed.TotalSeconds:F2} s"));
        Grid("grid", result.Layout.Grid);
        Line("thread-seconds", S($"setup {t.Setup.TotalSeconds:F2}, read+inflate {t.ReadInflate.TotalSeconds:F2}, filter {t.Filter.TotalSeconds:F2}, binning {t.Binning.TotalSeconds:F2}, write {t.Write.TotalSeconds:F2}"));
        Line("wrote", target);
    }

    public static void Fitted(KmapMaps maps, TimeSpan elapsed, StrainReference reference)
    {
        var source = reference switch
        {
            StrainReference.Point p => $"d at scan point {p.PointIndex}",
            StrainReference.Region { Box.XMin: double.NegativeInfinity } => "mean d over every fitted point",
            StrainReference.Region r => S($"mean d over sample x {r.Box.XMin} … {r.Box.XMax}, y {r.Box.YMin} … {r.Box.YMax} µm"),
            _ => "given",
        };
        var ok = maps.Points.Count(p => p.Status == FitStatus.Ok);
        Line("fitted", S($"{maps.Points.Count} scan points in {elapsed.TotalSeconds:F2} s: {ok} ok, {maps.Points.Count - ok} not"));
        Line("d0", S($"{maps.D0:F6} Å ({source})"));
        Line("strain", Range(maps.Strain, "E3"));
        Line("tilt_x", Range(maps.TiltX, "F5") + "°");
        Line("tilt_y", Range(maps.TiltY, "F5") + "°");
    }

    private static void Grid(string label, QSpaceGrid grid)
    {
        var b = grid.Box;
        var (sx, sy, sz) = grid.Step;
        Line(label, S($"{grid.Shape.X} x {grid.Shape.Y} x {grid.Shape.Z} bins; qx {b.XMin:F5} … {b.XMax:F5}, qy {b.YMin:F5} … {b.YMax:F5}, qz {b.ZMin:F5} … {b.ZMax:F5} 1/Å; steps {sx:E3}, {sy:E3}, {sz:E3} 1/Å"));
    }

    private static void Line(string label, string text) => Console.WriteLine($"{label,-15} {text}");

    private static string S(FormattableString text) => text.ToString(Inv);

    private static string Range(IReadOnlyList<double> values, string format)
    {
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        foreach (var v in values)
        {
            if (double.IsFinite(v))
            {
                lo = Math.Min(lo, v);
                hi = Math.Max(hi, v);
            }
        }

        return lo > hi ? "none" : $"{lo.ToString(format, Inv)} … {hi.ToString(format, Inv)}";
    }

    private static string Distinct(IEnumerable<double> values)
    {
        var distinct = values.Distinct().ToArray();
        return distinct.Length == 1 ? distinct[0].ToString("0.#####", Inv) : Range(distinct, "0.#####");
    }
}
