using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Idrp.Analysis.Stm.Export;
using Idrp.Analysis.Stm.Fast;
using Idrp.Analysis.Stm.Imaging;
using Idrp.Analysis.Stm.Processing;
using PureHDF;
using PureHDF.Filters;
using PureHDF.VOL.Native;

// Whole-process benchmark of the FAST movie pipeline with pyfastspm's converter-notebook steps (phase, FFT filter,
// reshape, creep, interpolation, drift, MP4), stage by stage; pyfastspm_pipeline.py times pyfastspm on the same files.
// Usage: dotnet run -c Release --project bench/Idrp.Bench.Stm -- [existing.h5 ...]  (files from gen_fast_h5.py)
// Without arguments it generates simple movies of 128 x 128 (500 and 2,000 frames) in the temp folder.
// Each row runs the pipeline from the file with one more step than the row above; "CPU" is this process's CPU time
// (all threads), "+CPU" the difference to the row above, i.e. the cost of the added step. For a one-thread profile
// run with DOTNET_PROCESSOR_COUNT=1. ffmpeg's own CPU time is measured separately (its process is a child).
if (args is ["--kernels", ..])
{
    Kernels();
    return;
}

if (args is ["--drift-check", .. var driftInputs])
{
    foreach (var path in driftInputs)
    {
        DriftCheck(path);
    }

    return;
}

if (args is ["--setup", .. var setupInputs])
{
    foreach (var path in setupInputs)
    {
        Setup(path);
    }

    return;
}

if (args is ["--memory", .. var memoryInputs])
{
    foreach (var path in memoryInputs)
    {
        Memory(path);
    }

    return;
}

// --recompute: pass 2 corrects every frame again instead of reading pass 1's kept frames back (A/B of FrameStore)
var recompute = args.Contains("--recompute");
args = [.. args.Where(a => a != "--recompute")];
var inputs = args.Length > 0 ? args.ToList() : [Generate(128, 250), Generate(128, 1000)];
Console.WriteLine($"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}, Vector<double> {System.Numerics.Vector<double>.Count} lanes");
foreach (var path in inputs)
{
    Run(path, warmUp: true);
    Run(path, warmUp: false);
}

FastPipeline Open(FastFile file, FastProcessing processing) => FastPipeline.Open(file, processing, keepCorrectedFrames: !recompute);

// warmUp: one quiet MP4 run on the first 40 images, so that no row pays for compiling the code
void Run(string path, bool warmUp)
{
    using var file = FastFile.Open(path);
    var frames = file.OpenMovie(FastChannels.UpDownInterlaced).FrameCount;
    if (warmUp)
    {
        using var pipeline = FastPipeline.Open(file, FastProcessing.Notebook);
        var setup = FastExport.Prepare(pipeline, new FastRendering("hot", 2));
        FastExport.WritePngFrames(pipeline, setup, 0, Math.Min(pipeline.FrameCount, 80), (_, _) => { });
        FastExport.WriteMovieAsync(pipeline, setup, Path.Combine(Path.GetTempPath(), "idrp-bench-warmup.mp4")).GetAwaiter().GetResult();
        return;
    }

    Console.WriteLine($"\n{Path.GetFileName(path)}: {frames} frames (udi)");
    Console.WriteLine($"  {"stage (cumulative)",-44} {"wall s",7} {"frames/s",9} {"CPU s",7} {"+CPU s",7} {"+CPU ms/frame",14} {"peak MiB",9}");

    // the same steps as pyfastspm's converter notebook, added one at a time
    var plain = new FastProcessing(FastChannels.UpDownInterlaced);
    var filtered = plain with { AutoPhase = true, Fft = FftFilterOptions.Notebook };
    var corrected = filtered with { Creep = true, Interpolate = true };
    var notebook = FastProcessing.Notebook;
    var previous = TimeSpan.Zero;
    foreach (var (name, processing, place) in new[]
    {
        ("read + reshape", plain, true),
        ("+ auto phase + FFT filter", filtered, true),
        ("+ creep + interpolation", corrected, true),
        ("+ drift estimate (pass 1)", notebook, false),
    })
    {
        var (stageWall, stageCpu) = Measure(() =>
        {
            using var pipeline = Open(file, processing);
            if (place)
            {
                double checksum = 0;
                pipeline.ForEachBatch(16, (_, batch) => checksum += batch[batch.Length / 2]);
            }
        });
        Report(name, frames, stageWall, stageCpu, previous);
        previous = stageCpu;
    }

    // + pass 2 as the MP4 export makes it, without the encoder: the corrected frames (read back from pass 1's file),
    // enlarged and rendered to the encoder's YUV 4:2:0 at their drift position (hot colour map at 2x: pyfastspm's
    // scaling 4, halved for interlaced)
    var rendering = new FastRendering("hot", Scale: 2, Contrast: 0.98);
    var (renderWall, renderCpu) = Measure(() =>
    {
        using var pipeline = Open(file, notebook);
        var setup = FastExport.Prepare(pipeline, rendering);
        long checksum = 0;
        FastExport.ForEachYuvGroup(pipeline, setup, (_, _, buffer, _) => checksum += buffer[buffer.Length / 2]);
    });
    Report("+ pass 2: enlarge + render YUV (no encoder)", frames, renderWall, renderCpu, previous);
    previous = renderCpu;

    // whole pipeline to MP4
    var mp4 = Path.Combine(Path.GetTempPath(), Path.GetFileNameWithoutExtension(path) + ".idrp.mp4");
    var childrenBefore = ChildrenCpu();
    var written = 0;
    var (wall, cpu) = Measure(() =>
    {
        using var pipeline = Open(file, notebook);
        var setup = FastExport.Prepare(pipeline, rendering);
        written = FastExport.WriteMovieAsync(pipeline, setup, mp4).GetAwaiter().GetResult();
    });
    var ffmpeg = ChildrenCpu() - childrenBefore;
    Report("whole pipeline to MP4", frames, wall, cpu, previous);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  ffmpeg ({string.Join(' ', Mp4Writer.Encoder)}) CPU: {ffmpeg.TotalSeconds:F2} s = {100 * ffmpeg / (ffmpeg + cpu):F0}% of all CPU of the MP4 run; {written} frames written to {mp4}"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  peak RSS of this process so far: {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0} MiB"));
}

// CPU of the notebook pipeline's fixed steps (each after one warm-up call), then of the whole MP4 run: where a short
// movie's time goes
static void Setup(string path)
{
    using var file = FastFile.Open(path);
    var reader = file.OpenMovie(FastChannels.UpDownInterlaced);
    var head = new float[3 * reader.FramesPerImage * reader.FrameSize];
    reader.ReadFrames(0, 3, head);
    var steps = new (string Name, Action Run)[]
    {
        ("open the file", () => FastFile.Open(path).Dispose()),
        ("auto phase (frame 0)", () => PhaseDetection.DetectXPhase(file)),
        ("FFT filter design", () => FftFilter.Create(FftFilterOptions.Notebook, file.Metadata, reader.SampleCount)),
        ("creep fit (3 images)", () => CreepCorrection.Fit(head, reader.Channels, reader.Height, reader.Width)),
        ("interpolation set-up", () => GridInterpolation.Create(reader.Channels, reader.Height, reader.Width, CreepCorrection.Fit(head, reader.Channels, reader.Height, reader.Width))),
        ("ffmpeg start + empty MP4", () =>
        {
            using var writer = Mp4Writer.Start(Path.Combine(Path.GetTempPath(), "idrp-bench-empty.mp4"), 64, 64, 8, input: Mp4Input.Yuv420);
            writer.WriteFrame(new byte[Mp4Writer.FrameBytes(64, 64, Mp4Input.Yuv420)]);
            writer.CompleteAsync().GetAwaiter().GetResult();
        }),
    };
    var filtered = file.OpenMovie(FastChannels.UpDownInterlaced, reader.XPhase, 0, FftFilterOptions.Notebook);
    var batch = filtered.ImagesPerBatch(16);
    steps =
    [
        .. steps,
        ("read + FFT filter, 16 images/batch", () => filtered.ForEachBatch(16, (_, _) => { })),
        ($"read + FFT filter, {batch} images/batch", () => filtered.ForEachBatch(batch, (_, _) => { })),
    ];
    Console.WriteLine($"{Path.GetFileName(path)}: {reader.FrameCount} frames of {reader.Height} x {reader.Width}");
    foreach (var (name, run) in steps)
    {
        run();
        var (wall, cpu) = Measure(run);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name,-28} wall {wall.TotalMilliseconds,7:F1} ms  CPU {cpu.TotalMilliseconds,7:F1} ms"));
    }
}

// the drift path of the notebook pipeline at native resolution against pyfastspm's enlarged correlation (slow)
static void DriftCheck(string path)
{
    using var file = FastFile.Open(path);
    using var pipeline = FastPipeline.Open(file, FastProcessing.Notebook with { Drift = false });
    var reader = pipeline.Reader;
    var native = new DriftEstimator(reader.Height, reader.Width, interlaced: true, 10);
    var enlarged = new DriftEstimator(reader.Height, reader.Width, interlaced: true, 10, nativeResolution: false);
    var copy = new float[pipeline.FramesPerCall * reader.FrameSize];
    pipeline.ForEachBatch(16, (_, frames) =>
    {
        frames.CopyTo(copy);
        native.AddBatch(copy, frames.Length / reader.FrameSize);
        enlarged.AddBatch(copy, frames.Length / reader.FrameSize);
    });
    var (a, b) = (native.Finish(), enlarged.Finish());
    var differences = Enumerable.Range(0, a.Y.Count).Count(i => a.Y[i] != b.Y[i] || a.X[i] != b.X[i]);
    Console.WriteLine($"{Path.GetFileName(path)}: native resolution {native.NativeResolution}; {differences} of {a.Y.Count} frames' drift differ from the enlarged correlation");
}

// one cold run of the whole pipeline to MP4 (run it in a fresh process per file): peak RSS of each phase
static void Memory(string path)
{
    using var file = FastFile.Open(path);
    Console.WriteLine($"{Path.GetFileName(path)}: peak RSS per phase (MiB), GC heap after a full collection");
    ResetPeakRss();
    using var pipeline = FastPipeline.Open(file, FastProcessing.Notebook);
    Phase("open (phase, creep fit, drift pass 1)");
    var setup = FastExport.Prepare(pipeline, new FastRendering("hot", 2, 0.98));
    var mp4 = Path.Combine(Path.GetTempPath(), Path.GetFileNameWithoutExtension(path) + ".idrp-memory.mp4");
    var written = FastExport.WriteMovieAsync(pipeline, setup, mp4).GetAwaiter().GetResult();
    Phase($"MP4 ({written} frames)");

    static void Phase(string name)
    {
        var peak = PeakRssMiB();
        GC.Collect();
        var info = GC.GetGCMemoryInfo(GCKind.FullBlocking);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {name,-40} peak RSS {peak,6:F0}  GC heap {info.HeapSizeBytes / 1048576.0,6:F0}  committed {info.TotalCommittedBytes / 1048576.0,6:F0}  allocated so far {GC.GetTotalAllocatedBytes() / 1048576.0,8:F0}"));
        ResetPeakRss();
    }
}

// CPU time of the drift kernels for frames enlarged to 256 x 256 (padded 512 x 512), one thread
static void Kernels()
{
    const int size = 256, repeats = 40;
    var transform = new RealFft2D(size);
    var random = new Random(1);
    var image = Enumerable.Range(0, size * size).Select(_ => random.NextDouble()).ToArray();
    var (re, im) = (new double[transform.SpectrumLength], new double[transform.SpectrumLength]);
    var (re2, im2) = (new double[transform.SpectrumLength], new double[transform.SpectrumLength]);
    transform.Forward(image, re2, im2);
    var (_, forward) = Measure(() =>
    {
        for (var i = 0; i < repeats; i++)
        {
            transform.Forward(image, re, im);
        }
    });
    var (_, peak) = Measure(() =>
    {
        for (var i = 0; i < repeats; i++)
        {
            transform.CorrelationPeak(re, im, re2, im2);
        }
    });
    var frame = new float[128 * 128];
    var output = new float[256 * 128];
    var (_, zoom) = Measure(() =>
    {
        for (var i = 0; i < repeats; i++)
        {
            SplineZoom.Cubic(frame, 128, 128, output, 256, 128);
        }
    });
    // the MP4's pass 2 for a 128 x 128 interlaced movie: 256 x 128 frames enlarged to 512 x 256 and rendered at
    // scale 2 at their drift position in a 535 x 1048 canvas
    var small = Enumerable.Range(0, 256 * 128).Select(_ => (float)random.NextDouble()).ToArray();
    var big = new float[512 * 256];
    var (_, enlarge) = Measure(() =>
    {
        for (var i = 0; i < repeats; i++)
        {
            SplineZoom.Cubic(small, 256, 128, big, 512, 256);
        }
    });
    var renderOptions = new RenderOptions(ColorMap.Hot, new ContrastLimits(0.2, 0.8), 2);
    var planeWidth = Mp4Writer.PlaneWidth(1070, Mp4Input.Yuv420);
    var yuvFrame = new byte[Mp4Writer.FrameBytes(1070, 2096, Mp4Input.Yuv420)];
    var (_, render) = Measure(() =>
    {
        for (var i = 0; i < repeats; i++)
        {
            FrameRenderer.RenderYuv420(big, 256, 512, new Placement(535, 1048, 300, 200, 0), renderOptions, yuvFrame, planeWidth, 2096);
        }
    });
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"cubic zoom 256 x 128 -> 512 x 256: {enlarge.TotalMilliseconds / repeats:F2} ms; YUV render of it at scale 2 in a 535 x 1048 canvas: {render.TotalMilliseconds / repeats:F2} ms (CPU per call)"));

    var estimator = new DriftEstimator(256, 128, interlaced: true);
    var frames = Enumerable.Range(0, 32 * 256 * 128).Select(_ => (float)random.NextDouble()).ToArray();
    estimator.AddBatch(frames, 32);
    var (_, drift) = Measure(() => estimator.AddBatch(frames, 32));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"drift estimate of 256 x 128 frames: {drift.TotalMilliseconds / 32:F2} ms CPU per frame"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"real 2-D FFT 256 -> 512: {forward.TotalMilliseconds / repeats:F2} ms; correlation peak: {peak.TotalMilliseconds / repeats:F2} ms; cubic zoom 128 -> 256 x 128: {zoom.TotalMilliseconds / repeats:F2} ms (CPU per call)"));
}

static (TimeSpan Wall, TimeSpan Cpu) Measure(Action action)
{
    GC.Collect();
    ResetPeakRss();
    var process = Process.GetCurrentProcess();
    var cpu = process.TotalProcessorTime;
    var sw = Stopwatch.StartNew();
    action();
    var wall = sw.Elapsed;
    process.Refresh();
    return (wall, process.TotalProcessorTime - cpu);
}

static void Report(string stage, int frames, TimeSpan wall, TimeSpan cpu, TimeSpan previous) =>
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  {stage,-44} {wall.TotalSeconds,7:F2} {frames / wall.TotalSeconds,9:F0} {cpu.TotalSeconds,7:F2} {(cpu - previous).TotalSeconds,7:F2} {1000 * (cpu - previous).TotalSeconds / frames,14:F2} {PeakRssMiB(),9:F0}"));

// peak RSS since the last reset (Linux: VmHWM of /proc/self/status; writing 5 to clear_refs resets it to the current RSS)
static void ResetPeakRss()
{
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

static double PeakRssMiB()
{
    var line = File.Exists("/proc/self/status") ? File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)) : null;
    return line is null ? double.NaN : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
}

// CPU time of this process's finished children (ffmpeg), from getrusage(RUSAGE_CHILDREN)
static TimeSpan ChildrenCpu()
{
    var usage = new RUsage();
    if (NativeMethods.GetRUsage(-1, ref usage) != 0)
    {
        return TimeSpan.Zero;
    }

    return TimeSpan.FromMicroseconds(usage.UserSeconds * 1e6 + usage.UserMicroseconds + usage.SystemSeconds * 1e6 + usage.SystemMicroseconds);
}

static string Generate(int n, int images)
{
    var path = Path.Combine(Path.GetTempPath(), $"idrp-bench-fast-{n}x{n}-{images}img.h5");
    if (File.Exists(path))
    {
        return path;
    }

    var samples = new short[(long)images * 4 * n * n];
    var random = new Random(1);
    for (long s = 0; s < samples.Length; s++)
    {
        var k = s % n;
        var row = s / n % (4 * n);
        var x = Math.Cos(Math.PI * (k + 0.5) / n) * n / 2;
        samples[s] = (short)(300 + 200 * Math.Sin(x * 0.9) * Math.Cos(row * 0.45) + random.Next(-20, 20));
    }

    var data = new H5Dataset(samples, chunks: [65536], datasetCreation: new H5DatasetCreation { Filters = [DeflateFilter.Id] });
    foreach (var (key, value) in new Dictionary<string, object>
    {
        ["Scanner.X_Points"] = n, ["Scanner.Y_Points"] = n, ["Scanner.Y_Frequency"] = 4.0, ["Scanner.X_Frequency"] = 8.0 * n,
        ["Acquisition.ADC_SamplingRate"] = 16.0 * n * n, ["Acquisition.NumImages"] = images, ["Acquisition.X_Phase"] = 3,
        ["Acquisition.Y_Phase"] = 0, ["Scanner.X_Amplitude"] = 0.5, ["Scanner.X_Calibration"] = 20.0,
        ["Scanner.Y_Amplitude"] = 0.5, ["Scanner.Y_Calibration"] = 20.0, ["ExperimentInfo.FileFormatVersion"] = "2.6",
    })
    {
        data.Attributes[key] = value;
    }

    new H5File { ["data"] = data }.Write(path);
    return path;
}

[StructLayout(LayoutKind.Sequential)]
internal struct RUsage
{
    public long UserSeconds;
    public long UserMicroseconds;
    public long SystemSeconds;
    public long SystemMicroseconds;
    [MarshalAs(UnmanagedType.ByValArray, SizeConst = 14)]
    public long[] Rest;
}

internal static partial class NativeMethods
{
    [DllImport("libc", EntryPoint = "getrusage")]
    public static extern int GetRUsage(int who, ref RUsage usage);
}
