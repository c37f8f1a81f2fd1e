using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using Idrp.Analysis.Kmap.Fit;
using Idrp.Analysis.Kmap.Input;
using Idrp.Analysis.Kmap.Maps;
using Idrp.Analysis.Kmap.QSpace;
using Idrp.Analysis.Kmap.Synthetic;

// Whole-process KMAP benchmark (issue 7): generates the synthetic set once into a cache folder, then times
// the inflate-only floor, Q-space conversion with and without the 3x3 median filter, the fits and the map
// exports, and reports accuracy against the ground truth and peak RSS per stage.
//
// dotnet run -c Release --project bench/Idrp.Bench.Kmap -- [--cache DIR] [--nx 30 --ny 30 --angles 21] [--threads N]
//   [--profile-only: floor and the one-thread profile] [--convert-only: floor and both conversions, no profile, fits, maps or X-SOCS]
var options = Args.Parse(args);
var culture = CultureInfo.InvariantCulture;
var cache = options.Cache;
var generation = new SyntheticKmapOptions { Nx = options.Nx, Ny = options.Ny, Angles = options.Angles };
var setDir = Path.Combine(cache, string.Create(culture, $"kmap-{options.Nx}x{options.Ny}x{options.Angles}"));
var master = Path.Combine(setDir, SyntheticKmap.MasterFileName);
var done = Path.Combine(setDir, ".complete");
Console.WriteLine($"# KMAP benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
Console.WriteLine($"{Environment.ProcessorCount} logical CPUs, {options.Threads} worker threads, .NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
Console.WriteLine($"cpu: {Hardware.CpuModel()}, memory: {Hardware.MemoryGb():F1} GB, load average at start: {File.ReadAllText("/proc/loadavg").Trim()}");
Console.WriteLine();

if (!File.Exists(done))
{
    Console.WriteLine($"Generating {options.Nx} x {options.Ny} points x {options.Angles} angles into {setDir} ...");
    var g = Stopwatch.StartNew();
    SyntheticKmap.Generate(setDir, generation);
    File.WriteAllText(done, "ok");
    Console.WriteLine(string.Create(culture, $"generated in {g.Elapsed.TotalSeconds:F1} s"));
}

var truth = SyntheticKmapTruth.Create(generation);
var openClock = Stopwatch.StartNew();
var dataset = KmapDataset.Open(master);
var openTime = openClock.Elapsed;
var bytes = Directory.GetFiles(setDir, "kmap_*.h5").Sum(f => new FileInfo(f).Length);
var pixels = (long)dataset.PointCount * dataset.Entries.Count * dataset.FrameShape.Rows * dataset.FrameShape.Columns;
Console.WriteLine(string.Create(culture, $"data set: {dataset.PointCount} points x {dataset.Entries.Count} entries x {dataset.FrameShape.Rows} x {dataset.FrameShape.Columns} uint16, {bytes / 1e6:F1} MB on disk, {pixels / 1e9:F2} Gpixel; opened (metadata and chunk indexes) in {openTime.TotalSeconds:F2} s"));
Console.WriteLine();

var rows = new List<string[]>();

// Floor: inflate every compressed chunk alone, read beforehand (untimed) from the chunk index.
var chunks = Floor.ReadRawChunks(dataset);
var compressed = chunks.Sum(c => (long)c.Length);
foreach (var threads in new[] { 1, options.Threads }.Distinct())
{
    var cpu = Cpu.Now();
    var t = Stopwatch.StartNew();
    Floor.InflateAll(chunks, threads);
    rows.Add([string.Create(culture, $"floor: inflate only ({chunks.Count} chunks, {compressed / 1e6:F1} MB), {threads} thread(s)"), Fmt(t.Elapsed), Cpu.Since(cpu), "", ""]);
}

chunks.Clear();
chunks.TrimExcess();
// Aggressive: give the raw chunks' memory back to the OS, so that the stages' peak RSS below is their own.
GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

// Warm-up (untimed): JIT and tiering of the hot loops on the first row of points, with and without the filter.
var firstRow = new SampleBox(double.MinValue, double.MaxValue, dataset.SampleY[0] - 0.05, dataset.SampleY[0] + 0.05);
foreach (var median in new[] { false, true })
{
    var warm = new InMemoryQSpace();
    QSpaceConverter.Convert(dataset, new QSpaceOptions { MedianFilter = median, SampleRoi = firstRow, MaxDegreeOfParallelism = options.Threads }, warm);
    PeakFitter.Fit(warm, new FitOptions());
}

// Profile of the unfiltered per-frame path on one thread, A/B interleaved so that both see the same machine load:
// read the frame then bin it (materialised) against binning straight from the inflated chunks (fused).
if (!options.ConvertOnly)
{
    var profileGrid = QSpaceConverter.GridFor(dataset, new QSpaceOptions());
    var table = new int[dataset.FrameShape.Rows * dataset.FrameShape.Columns];
    for (var p = 0; p < table.Length; p++)
    {
        var q = Id01QConversion.PixelQ(dataset.Entries[0].Geometry, p / dataset.FrameShape.Columns, p % dataset.FrameShape.Columns);
        table[p] = profileGrid.BinOf(q.X, q.Y, q.Z);
    }

    using var reader = dataset.OpenFrames();
    var frame = new ushort[reader.FrameLength];
    var profileCube = new float[profileGrid.BinCount];
    double materialised = 0, fusedCpu = 0, readOnly = 0;
    var profilePoints = Math.Min(dataset.PointCount, 60);
    for (var round = 0; round < 3; round++)
    {
        foreach (var mode in new[] { 0, 1, 2 })
        {
            var c = Cpu.Now();
            for (var k = 0; k < profilePoints; k++)
            {
                for (var e = 0; e < dataset.Entries.Count; e++)
                {
                    if (mode == 1)
                    {
                        reader.TryBinFrame(e, k, table, profileCube, 1f);
                    }
                    else
                    {
                        reader.ReadFrame(e, k, frame);
                        if (mode == 0)
                        {
                            QSpaceConverter.Bin<ushort>(frame, table, profileCube, 1f);
                        }
                    }
                }
            }

            var spent = (Cpu.Now() - c).TotalSeconds;
            if (mode == 0) { materialised += spent; } else if (mode == 1) { fusedCpu += spent; } else { readOnly += spent; }
        }
    }

    var perFrame = 1e6 / (3.0 * profilePoints * dataset.Entries.Count);
    rows.Add([
        "profile, one thread, unfiltered: µs CPU per frame",
        "", "",
        string.Create(culture, $"read+inflate+unshuffle {readOnly * perFrame:F0}; read then bin (materialised frame) {materialised * perFrame:F0}; bin straight from the inflated chunks (fused, what conversion does) {fusedCpu * perFrame:F0}"),
        ""]);
    if (options.ProfileOnly)
    {
        Console.WriteLine(string.Join(" | ", rows[^1]));
        return 0;
    }
}

QSpaceResult? last = null;
foreach (var median in new[] { false, true })
{
    var output = Path.Combine(cache, median ? "qspace-median.h5" : "qspace.h5");
    Rss.ResetPeak();
    var cpu = Cpu.Now();
    var t = Stopwatch.StartNew();
    using (var writer = new QSpaceH5Writer(output))
    {
        last = QSpaceConverter.Convert(dataset, new QSpaceOptions { MedianFilter = median, MaxDegreeOfParallelism = options.Threads }, writer);
    }

    var wall = t.Elapsed;
    var s = last.Timings;
    rows.Add([
        median ? "Q-space conversion, 3x3 median filter" : "Q-space conversion, no filter",
        Fmt(wall),
        Cpu.Since(cpu),
        string.Create(culture, $"setup {s.Setup.TotalSeconds:F2}; thread-s: read+inflate {s.ReadInflate.TotalSeconds:F2}, filter {s.Filter.TotalSeconds:F2}, binning {s.Binning.TotalSeconds:F2}, write {s.Write.TotalSeconds:F2}"),
        Rss.PeakMb()]);
}

KmapMaps? idrpMedianGaussian = null;
var grid = last!.Layout.Grid;
Console.WriteLine(string.Create(culture, $"grid {grid.Shape} bins, step {grid.Step.X:E3} {grid.Step.Y:E3} {grid.Step.Z:E3} 1/A"));

foreach (var (median, method) in options.ConvertOnly ? [] : new[] { (false, FitMethod.Gaussian), (true, FitMethod.Gaussian), (true, FitMethod.CentreOfMass) })
{
    var path = Path.Combine(cache, median ? "qspace-median.h5" : "qspace.h5");
    Rss.ResetPeak();
    var cpu = Cpu.Now();
    var t = Stopwatch.StartNew();
    PeakFitResult fit;
    using (var source = QSpaceH5File.Open(path))
    {
        fit = PeakFitter.Fit(source, new FitOptions { Method = method, MaxDegreeOfParallelism = options.Threads });
    }

    var wall = t.Elapsed;
    var maps = KmapMaps.Compute(fit, new StrainReference.Spacing(truth.D0));
    if (median && method == FitMethod.Gaussian)
    {
        idrpMedianGaussian = maps;
    }
    var (strain, tiltX, tiltY, failed) = Accuracy(maps, truth);
    rows.Add([
        string.Create(culture, $"fit {fit.Points.Count} points, {method}, cubes {(median ? "with" : "without")} median"),
        Fmt(wall),
        Cpu.Since(cpu),
        string.Create(culture, $"rms error vs truth: strain {strain:E2}, tilt_x {tiltX:E2} deg, tilt_y {tiltY:E2} deg; {failed} failed fits"),
        Rss.PeakMb()]);

    if (!median)
    {
        var exportCpu = Cpu.Now();
        var e = Stopwatch.StartNew();
        MapExport.WriteCsv(maps, Path.Combine(cache, "fit.csv"));
        MapExport.WriteHdf5(maps, Path.Combine(cache, "maps.h5"));
        foreach (var kind in new[] { MapKind.Strain, MapKind.TiltX, MapKind.TiltY, MapKind.Intensity })
        {
            MapExport.WritePng(maps, kind, Path.Combine(cache, $"{kind}.png"));
        }

        rows.Add(["maps: CSV + HDF5 + 4 PNG heatmaps", Fmt(e.Elapsed), Cpu.Since(exportCpu), "", ""]);
    }
}

if (options.Xsocs is { } xsocsSource && !options.ConvertOnly)
{
    rows.AddRange(XsocsRun.Run(options.Python, xsocsSource, master, Path.Combine(cache, "xsocs"), grid.Shape, options.Threads, truth, idrpMedianGaussian!));
}

Console.WriteLine();
Console.WriteLine("| stage | wall time | process CPU | details | peak RSS |");
Console.WriteLine("|---|---|---|---|---|");
foreach (var r in rows)
{
    Console.WriteLine($"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]} |");
}

Console.WriteLine();
Console.WriteLine($"load average at the end: {File.ReadAllText("/proc/loadavg").Trim()}");

Console.WriteLine();
Console.WriteLine($"process peak RSS {Environment.ProcessId}: {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} MB");
return 0;

static string Fmt(TimeSpan t) => string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:F2} s");

static (double Strain, double TiltX, double TiltY, int Failed) Accuracy(KmapMaps maps, SyntheticKmapTruth truth)
{
    double s = 0, x = 0, y = 0;
    int n = 0, failed = 0;
    for (var i = 0; i < maps.Points.Count; i++)
    {
        if (maps.Points[i].Status != FitStatus.Ok)
        {
            failed++;
            continue;
        }

        var k = maps.Points[i].PointIndex;
        s += Math.Pow(maps.Strain[i] - truth.Strain[k], 2);
        x += Math.Pow(maps.TiltX[i] - truth.TiltXDegrees[k], 2);
        y += Math.Pow(maps.TiltY[i] - truth.TiltYDegrees[k], 2);
        n++;
    }

    return (Math.Sqrt(s / n), Math.Sqrt(x / n), Math.Sqrt(y / n), failed);
}

internal sealed record Args(string Cache, int Nx, int Ny, int Angles, int Threads, string? Xsocs, string Python, bool ProfileOnly, bool ConvertOnly)
{
    public static Args Parse(string[] args)
    {
        var cache = Path.Combine(Path.GetTempPath(), "idrp-bench-kmap");
        string? xsocs = null;
        var python = "/usr/bin/python3";
        int nx = 30, ny = 30, angles = 21, threads = Environment.ProcessorCount;
        var profileOnly = args.Contains("--profile-only");
        var convertOnly = args.Contains("--convert-only");
        args = args.Where(a => a is not "--profile-only" and not "--convert-only").ToArray();
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var v = args[i + 1];
            switch (args[i])
            {
                case "--cache": cache = v; break;
                case "--nx": nx = int.Parse(v, CultureInfo.InvariantCulture); break;
                case "--ny": ny = int.Parse(v, CultureInfo.InvariantCulture); break;
                case "--angles": angles = int.Parse(v, CultureInfo.InvariantCulture); break;
                case "--threads": threads = int.Parse(v, CultureInfo.InvariantCulture); break;
                case "--xsocs": xsocs = Path.GetFullPath(v); break;
                case "--python": python = v; break;
                default: throw new ArgumentException($"Unknown option {args[i]}");
            }
        }

        Directory.CreateDirectory(cache);
        return new Args(cache, nx, ny, angles, threads, xsocs, python, profileOnly, convertOnly);
    }
}

internal static class Floor
{
    public static List<byte[]> ReadRawChunks(KmapDataset dataset)
    {
        var chunks = new List<byte[]>();
        foreach (var entry in dataset.Entries)
        {
            var index = entry.Chunks ?? throw new InvalidOperationException($"Entry {entry.Name} has no chunk index.");
            using var handle = File.OpenHandle(index.FilePath);
            foreach (var c in index.Chunks)
            {
                var bytes = new byte[c.Size];
                RandomAccess.Read(handle, bytes, c.Offset);
                chunks.Add(bytes);
            }
        }

        return chunks;
    }

    /// <summary>Inflates every chunk with System.IO.Compression (zlib-ng), split into one band per thread.</summary>
    public static void InflateAll(List<byte[]> chunks, int threads)
    {
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var output = new byte[1 << 20];
            var lo = t * chunks.Count / threads;
            var hi = (t + 1) * chunks.Count / threads;
            for (var i = lo; i < hi; i++)
            {
                using var source = new MemoryStream(chunks[i], writable: false);
                using var z = new ZLibStream(source, CompressionMode.Decompress);
                var total = 0;
                int read;
                while ((read = z.Read(output, total, output.Length - total)) > 0)
                {
                    total += read;
                }
            }
        });
    }
}

internal static class Cpu
{
    public static TimeSpan Now() => Process.GetCurrentProcess().TotalProcessorTime;

    public static string Since(TimeSpan start) =>
        string.Create(CultureInfo.InvariantCulture, $"{(Now() - start).TotalSeconds:F2} s");
}

internal static class Rss
{
    /// <summary>Resets the kernel's peak-RSS mark (VmHWM) so each stage reports its own peak.</summary>
    public static void ResetPeak()
    {
        GC.Collect();
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    public static string PeakMb()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                var kb = long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                return string.Create(CultureInfo.InvariantCulture, $"{kb / 1024.0:F0} MB");
            }
        }

        return "?";
    }
}

internal static class Hardware
{
    public static string CpuModel()
    {
        foreach (var line in File.ReadLines("/proc/cpuinfo"))
        {
            if (line.StartsWith("model name", StringComparison.Ordinal))
            {
                return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
            }
        }

        return "unknown";
    }

    public static double MemoryGb()
    {
        foreach (var line in File.ReadLines("/proc/meminfo"))
        {
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
            {
                return long.Parse(line[9..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1048576.0;
            }
        }

        return 0;
    }
}
