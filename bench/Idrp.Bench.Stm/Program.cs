using System.Diagnostics;
using System.Globalization;
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
var inputs = args.Length > 0 ? args.ToList() : [Generate(128, 250), Generate(128, 1000)];
Console.WriteLine($"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");
foreach (var path in inputs)
{
    Run(path);
}

static void Run(string path)
{
    using var file = FastFile.Open(path);
    var frames = file.OpenMovie(FastChannels.UpDownInterlaced).FrameCount;
    Console.WriteLine($"\n{Path.GetFileName(path)}: {frames} frames (udi)");

    // the same steps as pyfastspm's converter notebook, added one at a time
    var plain = new FastProcessing(FastChannels.UpDownInterlaced);
    var filtered = plain with { AutoPhase = true, Fft = FftFilterOptions.Notebook };
    var corrected = filtered with { Creep = true, Interpolate = true };
    var notebook = FastProcessing.Notebook;
    foreach (var (name, processing) in new[]
    {
        ("read + reshape", plain),
        ("+ auto phase + FFT filter", filtered),
        ("+ creep + interpolation", corrected),
        ("+ drift (two passes)", notebook),
    })
    {
        var sw = Stopwatch.StartNew();
        var pipeline = FastPipeline.Open(file, processing);
        double checksum = 0;
        pipeline.ForEachBatch(16, (_, batch) => checksum += batch[batch.Length / 2]);
        Report(name, frames, sw.Elapsed);
    }

    // whole pipeline to MP4: notebook corrections, hot colour map, 2x (pyfastspm: scaling 4, halved for interlaced)
    var mp4 = Path.ChangeExtension(path, ".idrp.mp4");
    var total = Stopwatch.StartNew();
    var full = FastPipeline.Open(file, notebook);
    float[]? first = null;
    full.ForEachBatch(1, (_, batch) => first ??= batch.ToArray());
    var options = new RenderOptions(ColorMap.Hot, ContrastLimits.Discard(first, 0.01, 0.01), Scale: 2, PixelSizeNm: full.PixelWidthNm);
    var width = FrameRenderer.OutputWidth(full.Width, options);
    var height = FrameRenderer.OutputHeight(full.Height, options);
    var rgbBatch = new byte[16 * full.FramesPerImage * width * height * 3];
    TimeSpan blocked;
    using (var writer = Mp4Writer.Start(mp4, width, height, full.Reader.FramesPerSecond))
    {
        full.ForEachBatch(16, (_, batch) =>
        {
            var n = RenderBatch(batch, full.Width, full.Height, options, rgbBatch, width, height);
            for (var f = 0; f < n; f++)
            {
                writer.WriteFrame(rgbBatch.AsSpan(f * width * height * 3, width * height * 3));
            }
        });
        var beforeFinish = Stopwatch.GetTimestamp();
        writer.CompleteAsync().GetAwaiter().GetResult();
        blocked = writer.WriteTime + Stopwatch.GetElapsedTime(beforeFinish);
    }

    var elapsed = total.Elapsed;
    Report($"whole pipeline to MP4 ({width} x {height})", frames, elapsed);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  waiting for ffmpeg: {blocked.TotalSeconds:F2} s = {100 * blocked / elapsed:F0}% of the pipeline; without it {frames / (elapsed - blocked).TotalSeconds:F0} frames/s"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  peak RSS of this process so far: {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0} MiB"));
}

static int RenderBatch(Span<float> batch, int frameWidth, int frameHeight, RenderOptions options, byte[] rgb, int width, int height)
{
    var frameSize = frameWidth * frameHeight;
    var n = batch.Length / frameSize;
    var frames = batch.ToArray(); // Parallel.For cannot capture a span
    var rgbSize = width * height * 3;
    Parallel.For(0, n, f => FrameRenderer.Render(frames.AsSpan(f * frameSize, frameSize), frameWidth, frameHeight, options, rgb.AsSpan(f * rgbSize, rgbSize)));
    return n;
}

static void Report(string stage, int frames, TimeSpan elapsed) =>
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  {stage,-48} {elapsed.TotalSeconds,7:F2} s  {frames / elapsed.TotalSeconds,9:F0} frames/s"));

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
