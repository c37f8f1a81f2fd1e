using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Idrp.Analysis.Kmap.Maps;
using Idrp.Analysis.Kmap.Synthetic;

/// <summary>
/// The peer run: X-SOCS' own Q-space conversion and fits (xsocs/run_xsocs.py, over an X-SOCS source tree built by
/// xsocs/build_xsocs.py) on the same master file, the same grid shape and the same number of workers, then its
/// accuracy against the truth and its agreement with IDRP's Gaussian fit of median-filtered cubes (X-SOCS 2017 always
/// median-filters).
/// </summary>
internal static class XsocsRun
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static List<string[]> Run(string python, string source, string master, string outDir, (int X, int Y, int Z) shape, int workers, SyntheticKmapTruth truth, KmapMaps idrp)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "xsocs", "run_xsocs.py");
        var info = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { script, source, master, outDir, string.Create(Inv, $"{shape.X},{shape.Y},{shape.Z}"), workers.ToString(Inv) })
        {
            info.ArgumentList.Add(a);
        }

        Console.WriteLine($"running X-SOCS: {python} {string.Join(' ', info.ArgumentList)}");
        var cpu = ChildCpu();
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var wall = clock.Elapsed;
        var cpuSeconds = ChildCpu() - cpu;
        var lastLine = stdout.TrimEnd().Split('\n')[^1];
        if (process.ExitCode != 0 || !lastLine.StartsWith('{'))
        {
            Console.WriteLine($"X-SOCS failed (exit {process.ExitCode}):\n{stdout}\n{stderr.Result}");
            return [["X-SOCS 2017", "failed", "", $"exit {process.ExitCode}: {stderr.Result.Trim().Split('\n')[^1]}", ""]];
        }

        using var report = JsonDocument.Parse(lastLine);
        var root = report.RootElement;
        var rows = new List<string[]>
        {
            new[]
            {
                string.Create(Inv, $"X-SOCS 2017: Q-space conversion, its 3x3 median filter always on, {workers} processes, grid {shape.X} x {shape.Y} x {shape.Z}"),
                S(root.GetProperty("convert_s").GetDouble()),
                "",
                "LUT per entry, h5py reads, Cython medfilt2D and histogramnd_from_lut, lzf-compressed cubes",
                "",
            },
        };
        foreach (var (name, label) in new[] { ("gaussian", "Gaussian"), ("centroid", "centroid") })
        {
            var points = ReadCsv(root.GetProperty(name + "_csv").GetString()!);
            var (strain, tiltX, tiltY, failed) = Accuracy(points, truth);
            var details = string.Create(Inv, $"rms error vs truth: strain {strain:E2}, tilt_x {tiltX:E2} deg, tilt_y {tiltY:E2} deg; {failed} failed fits");
            if (name == "gaussian")
            {
                var (ds, dx, dy, n) = Agreement(points, idrp, truth.D0);
                details += string.Create(Inv, $"; vs IDRP Gaussian on median cubes ({n} points): rms difference strain {ds:E2}, tilt_x {dx:E2} deg, tilt_y {dy:E2} deg");
            }

            rows.Add([string.Create(Inv, $"X-SOCS 2017: fit {points.Count} points, {label}"), S(root.GetProperty(name + "_s").GetDouble()), "", details, ""]);
        }

        rows.Add(["X-SOCS 2017: whole run (python start, conversion, both fits)", S(wall.TotalSeconds), S(cpuSeconds), "CPU: every X-SOCS process, from the kernel's child accounting", ""]);
        return rows;
    }

    private static string S(double seconds) => string.Create(Inv, $"{seconds:F2} s");

    private sealed record XsocsPoint(int Index, double Qx, double Qy, double Qz, bool Ok);

    private static List<XsocsPoint> ReadCsv(string path)
    {
        var points = new List<XsocsPoint>();
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            var c = line.Split(',');
            var ok = c[4] == "1" && c[5] == "1" && c[6] == "1";
            points.Add(new XsocsPoint(int.Parse(c[0], Inv), double.Parse(c[1], Inv), double.Parse(c[2], Inv), double.Parse(c[3], Inv), ok));
        }

        return points;
    }

    private static (double Strain, double TiltX, double TiltY) Derived(XsocsPoint p, double d0)
    {
        var q = Math.Sqrt((p.Qx * p.Qx) + (p.Qy * p.Qy) + (p.Qz * p.Qz));
        return ((2 * Math.PI / q / d0) - 1, Math.Atan2(p.Qx, p.Qz) * 180 / Math.PI, Math.Atan2(p.Qy, p.Qz) * 180 / Math.PI);
    }

    private static (double Strain, double TiltX, double TiltY, int Failed) Accuracy(List<XsocsPoint> points, SyntheticKmapTruth truth)
    {
        double s = 0, x = 0, y = 0;
        int n = 0, failed = 0;
        foreach (var p in points)
        {
            var (strain, tx, ty) = Derived(p, truth.D0);
            if (!p.Ok || !double.IsFinite(strain))
            {
                failed++;
                continue;
            }

            s += Math.Pow(strain - truth.Strain[p.Index], 2);
            x += Math.Pow(tx - truth.TiltXDegrees[p.Index], 2);
            y += Math.Pow(ty - truth.TiltYDegrees[p.Index], 2);
            n++;
        }

        return (Math.Sqrt(s / n), Math.Sqrt(x / n), Math.Sqrt(y / n), failed);
    }

    private static (double Strain, double TiltX, double TiltY, int N) Agreement(List<XsocsPoint> points, KmapMaps idrp, double d0)
    {
        var byIndex = new Dictionary<int, int>();
        for (var i = 0; i < idrp.Points.Count; i++)
        {
            byIndex[idrp.Points[i].PointIndex] = i;
        }

        double s = 0, x = 0, y = 0;
        var n = 0;
        foreach (var p in points)
        {
            var (strain, tx, ty) = Derived(p, d0);
            if (!p.Ok || !byIndex.TryGetValue(p.Index, out var i) || !double.IsFinite(idrp.Strain[i]) || !double.IsFinite(strain))
            {
                continue;
            }

            s += Math.Pow(strain - idrp.Strain[i], 2);
            x += Math.Pow(tx - idrp.TiltX[i], 2);
            y += Math.Pow(ty - idrp.TiltY[i], 2);
            n++;
        }

        return (Math.Sqrt(s / n), Math.Sqrt(x / n), Math.Sqrt(y / n), n);
    }

    /// <summary>CPU seconds of every waited-for descendant (utime + stime of reaped children, /proc/self/stat fields 16-17).</summary>
    private static double ChildCpu()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state): cutime is field 16, cstime 17.
        return (long.Parse(fields[13], Inv) + long.Parse(fields[14], Inv)) / 100.0;
    }
}
