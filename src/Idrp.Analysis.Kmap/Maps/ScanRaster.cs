using Idrp.Analysis.Kmap.Fit;

namespace Idrp.Analysis.Kmap.Maps;

/// <summary>
/// Column and row of each point on the scan raster, inferred from sample positions: sorted positions are split
/// wherever consecutive values differ by more than half the largest gap (motor steps are equal, encoder jitter is
/// much smaller than a step).
/// </summary>
internal sealed record ScanRaster(int Nx, int Ny, int[] Column, int[] Row, double XMin, double XMax, double YMin, double YMax, double Dx, double Dy)
{
    public static ScanRaster From(IReadOnlyList<PointFit> points)
    {
        var xs = new double[points.Count];
        var ys = new double[points.Count];
        for (var i = 0; i < xs.Length; i++)
        {
            xs[i] = points[i].SampleX;
            ys[i] = points[i].SampleY;
        }

        return From(xs, ys);
    }

    public static ScanRaster From(double[] xs, double[] ys)
    {
        var (nx, cols, x0, x1, dx) = Levels(xs);
        var (ny, rows, y0, y1, dy) = Levels(ys);
        return new ScanRaster(nx, ny, cols, rows, x0, x1, y0, y1, dx, dy);
    }

    private static (int Count, int[] Index, double Min, double Max, double Step) Levels(double[] values)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        var maxGap = 0.0;
        for (var i = 1; i < sorted.Length; i++)
        {
            maxGap = Math.Max(maxGap, sorted[i] - sorted[i - 1]);
        }

        var threshold = maxGap / 2;
        var starts = new List<double> { sorted.Length > 0 ? sorted[0] : 0 };
        for (var i = 1; i < sorted.Length; i++)
        {
            if (maxGap > 0 && sorted[i] - sorted[i - 1] > threshold)
            {
                starts.Add(sorted[i]);
            }
        }

        var index = new int[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var level = starts.BinarySearch(values[i]);
            index[i] = level >= 0 ? level : ~level - 1;
        }

        var min = sorted.Length > 0 ? sorted[0] : 0;
        var max = sorted.Length > 0 ? sorted[^1] : 0;
        var step = starts.Count > 1 ? (max - min) / (starts.Count - 1) : 1.0;
        return (starts.Count, index, min, max, step);
    }
}
