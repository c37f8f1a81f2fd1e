using System.Diagnostics;
using System.Globalization;
using Idrp.Analysis.Stm.Fast;
using Idrp.Analysis.Stm.Imaging;
using PureHDF;
using PureHDF.Filters;
using PureHDF.VOL.Native;

// Whole-process benchmark of the FAST movie pipeline: read + reshape, render (colour map), MP4 (ffmpeg).
// Usage: dotnet run -c Release --project bench/Idrp.Bench.Stm -- [existing.h5 ...]
// Without arguments it generates movies of 128 x 128 (500 and 2,000 frames) in the temp folder.
var inputs = args.Length > 0 ? args.ToList() : [Generate(128, 250), Generate(128, 1000)];
Console.WriteLine($"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");
foreach (var path in inputs)
{
    Run(path);
}

static void Run(string path)
{
    using var file = FastFile.Open(path);
    var reader = file.OpenMovie(FastChannels.UpDownForward);
    var frames = reader.FrameCount;
    Console.WriteLine($"\n{Path.GetFileName(path)}: {frames} frames of {reader.Width} x {reader.Height} (udf)");

    // stage 1: read + phase shift + reshape, streamed in batches of 16 images
    var sw = Stopwatch.StartNew();
    double checksum = 0;
    reader.ForEachBatch(16, (_, batch) => checksum += batch[0]);
    var read = sw.Elapsed;
    Report("read + reshape", frames, read);

    // contrast from the first image (a movie-wide percentile would need a second pass)
    var firstImage = new float[reader.FramesPerImage * reader.FrameSize];
    reader.ReadFrames(0, 1, firstImage);
    var options = new RenderOptions(ColorMap.Hot, ContrastLimits.Keep(firstImage, 0.99), Scale: 4,
        PixelSizeNm: file.Metadata.WidthNm / reader.Width);
    var width = FrameRenderer.OutputWidth(reader.Width, options);
    var height = FrameRenderer.OutputHeight(reader.Height, options);

    // stage 2: read + reshape + render, render parallel over frames
    var rgbBatch = new byte[16 * reader.FramesPerImage * width * height * 3];
    sw.Restart();
    reader.ForEachBatch(16, (_, batch) => RenderBatch(batch, reader, options, rgbBatch, width, height));
    var render = sw.Elapsed;
    Report("read + reshape + render (4x, hot, scale bar)", frames, render);

    // stage 3: full pipeline to MP4
    var mp4 = Path.ChangeExtension(path, ".mp4");
    sw.Restart();
    TimeSpan blocked;
    using (var writer = Mp4Writer.Start(mp4, width, height, reader.FramesPerSecond))
    {
        reader.ForEachBatch(16, (_, batch) =>
        {
            var n = RenderBatch(batch, reader, options, rgbBatch, width, height);
            for (var f = 0; f < n; f++)
            {
                writer.WriteFrame(rgbBatch.AsSpan(f * width * height * 3, width * height * 3));
            }
        });
        var beforeFinish = Stopwatch.GetTimestamp();
        writer.CompleteAsync().GetAwaiter().GetResult();
        blocked = writer.WriteTime + Stopwatch.GetElapsedTime(beforeFinish);
    }

    var total = sw.Elapsed;
    Report($"full pipeline to MP4 ({width} x {height})", frames, total);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  waiting for ffmpeg: {blocked.TotalSeconds:F2} s = {100 * blocked / total:F0}% of the pipeline"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  peak RSS of this process: {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0} MiB (checksum {checksum})"));
}

static int RenderBatch(Span<float> batch, FastMovieReader reader, RenderOptions options, byte[] rgb, int width, int height)
{
    var n = batch.Length / reader.FrameSize;
    var frames = batch.ToArray(); // Parallel.For cannot capture a span
    var frameSize = reader.FrameSize;
    var rgbSize = width * height * 3;
    Parallel.For(0, n, f => FrameRenderer.Render(frames.AsSpan(f * frameSize, frameSize), reader.Width, reader.Height, options, rgb.AsSpan(f * rgbSize, rgbSize)));
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
