using System.Diagnostics;
using System.Globalization;
using Idrp.Analysis.Sem;
using Idrp.Analysis.Sem.Dataset;
using Idrp.Analysis.Sem.Features;
using Idrp.Analysis.Sem.Model;
using Idrp.Analysis.Sem.Synthetic;
using Idrp.Analysis.Sem.Tests;
using Idrp.Imaging;

// Whole-process SEM classifier benchmark (issue 9): synthetic 1024x768 JPEGs (10 categories), then
//  - training: features over all cores + ML.NET fit, per 1,000 images;
//  - latency on one thread: decode + info bar + features + prediction per image, and its parts;
//  - throughput on all cores (Parallel.For over images);
//  - the same for an ONNX network with a 224x224x3 input (a linear layer; real CNNs cost more, see RESULTS.md);
//  - the two real NFFA-Europe images.
// Images are read into memory first: the figures are CPU work, not disk.
//
// dotnet bench/Idrp.Bench.Sem/bin/Release/net10.0/Idrp.Bench.Sem.dll [--images 200] [--cache DIR] [--threads N]
var culture = CultureInfo.InvariantCulture;
var images = 200;
var cache = Path.Combine(Path.GetTempPath(), "idrp-bench-sem");
var threads = Environment.ProcessorCount;
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--images": images = int.Parse(args[i + 1], culture); break;
        case "--cache": cache = args[i + 1]; break;
        case "--threads": threads = int.Parse(args[i + 1], culture); break;
        default: throw new ArgumentException($"unknown option {args[i]}");
    }
}

var perCategory = Math.Max(2, images / 10);
Console.WriteLine($"# SEM classifier benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
Console.WriteLine($"{Environment.ProcessorCount} logical CPUs, {threads} threads, .NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
Console.WriteLine($"cpu: {CpuModel()}, load average at start: {File.ReadAllText("/proc/loadavg").Trim()}");
Console.WriteLine();

var setDir = Path.Combine(cache, $"synthetic-{perCategory}x10-1024x768");
if (!File.Exists(Path.Combine(setDir, ".complete")))
{
    Console.WriteLine($"generating {perCategory * 10} images into {setDir} ...");
    SyntheticSem.WriteDataset(setDir, perCategory, seed: 1);
    File.WriteAllText(Path.Combine(setDir, ".complete"), "ok");
}

var samples = SemDataset.Enumerate(setDir).Select(s => new SemSample(s.Name, s.Label, null, s.ReadAllBytes())).ToList();
Console.WriteLine(string.Create(culture, $"data set: {samples.Count} JPEGs 1024x768, {samples.Sum(s => s.Data!.Length) / 1e6:F1} MB, read into memory"));
Console.WriteLine();
Console.WriteLine("| stage | wall | process CPU | figure |");
Console.WriteLine("|---|---|---|---|");

// Training.
var modelDir = Path.Combine(cache, "model");
var (trainWall, trainCpu) = Measure(() => SemTrainer.Train(samples, modelDir, setDir, new SemTrainingOptions { Threads = threads }));
var manifest = SemModelManifest.Read(modelDir);
var t = manifest.Training!;
Row("train (features on all cores + SDCA fit)", trainWall, trainCpu,
    $"{samples.Count} images: features {t.FeatureSeconds:F1} s, fit {t.TrainSeconds:F1} s; {trainWall.TotalSeconds * 1000 / samples.Count:F1} s per 1,000 images (CPU {trainCpu.TotalSeconds * 1000 / samples.Count:F1} s); held-out accuracy {t.HeldOutAccuracy:P1}");

using var model = (FeatureSemModel)SemModels.Load(modelDir);

// Warm-up (JIT, ML.NET engine per thread).
foreach (var s in samples.Take(10))
{
    SemClassifier.Classify(model, s.Data!, s.Name);
}

// Latency on one thread, with its parts.
var decode = new List<double>();
var features = new List<double>();
var predict = new List<double>();
var whole = new List<double>();
var (oneWall, oneCpu) = Measure(() =>
{
    foreach (var s in samples)
    {
        var clock = Stopwatch.StartNew();
        var gray = InfoBarCrop.Default.Apply(ImageDecoder.DecodeGray(s.Data!, s.Name, SemFeatures.WorkingWidth));
        var a = clock.Elapsed.TotalMilliseconds;
        var f = SemFeatures.Extract(gray);
        var b = clock.Elapsed.TotalMilliseconds;
        model.PredictFeatures(f);
        var c = clock.Elapsed.TotalMilliseconds;
        decode.Add(a);
        features.Add(b - a);
        predict.Add(c - b);
        whole.Add(c);
    }
});
Row("classify, 1 thread (built-in model)", oneWall, oneCpu,
    $"per image: median {Median(whole):F1} ms, p95 {Percentile(whole, 0.95):F1} ms (decode at 3/8 + bar {Median(decode):F1}, features {Median(features):F1}, predict {Median(predict):F2}); {samples.Count / oneWall.TotalSeconds:F1} images/s");

// Throughput on all cores.
var rounds = 3;
var (allWall, allCpu) = Measure(() =>
{
    for (var r = 0; r < rounds; r++)
    {
        Parallel.For(0, samples.Count, new ParallelOptions { MaxDegreeOfParallelism = threads }, i => SemClassifier.Classify(model, samples[i].Data!, samples[i].Name));
    }
});
Row($"classify, {threads} threads (built-in model)", allWall, allCpu,
    $"{rounds * samples.Count / allWall.TotalSeconds:F1} images/s; {allCpu.TotalMilliseconds / (rounds * samples.Count):F1} ms CPU per image");

// ONNX network, 224 x 224 x 3, NCHW, ImageNet normalisation, a linear layer + softmax.
var onnxDir = Path.Combine(cache, "onnx-linear-224");
Directory.CreateDirectory(onnxDir);
var random = new Random(1);
var weights = new float[3 * 224 * 224 * 10];
for (var i = 0; i < weights.Length; i++)
{
    weights[i] = (float)((random.NextDouble() - 0.5) * 1e-3);
}

File.WriteAllBytes(Path.Combine(onnxDir, "model.onnx"), OnnxModelBuilder.LinearClassifier("input", [1, 3, 224, 224], weights, new float[10], "probabilities", softmax: true));
new SemModelManifest
{
    Kind = "onnx",
    Name = "linear-224",
    Version = "bench",
    Labels = SemCategories.All,
    Onnx = "model.onnx",
    Input = new OnnxInputSpec { Name = "input", Width = 224, Height = 224, Mean = [0.485, 0.456, 0.406], Std = [0.229, 0.224, 0.225] },
    Output = new OnnxOutputSpec { Name = "probabilities" },
}.Write(onnxDir);
using var onnx = SemModels.Load(onnxDir);
foreach (var s in samples.Take(5))
{
    onnx.Predict(s.Data!, s.Name);
}

var onnxTimes = new List<double>();
var (onnxWall, onnxCpu) = Measure(() =>
{
    foreach (var s in samples)
    {
        var clock = Stopwatch.StartNew();
        onnx.Predict(s.Data!, s.Name);
        onnxTimes.Add(clock.Elapsed.TotalMilliseconds);
    }
});
Row("classify, 1 thread (ONNX 224x224x3 linear)", onnxWall, onnxCpu, $"per image: median {Median(onnxTimes):F1} ms, p95 {Percentile(onnxTimes, 0.95):F1} ms (decode at 1/4, resize, normalise, run)");
var (onnxAllWall, onnxAllCpu) = Measure(() =>
    Parallel.For(0, samples.Count, new ParallelOptions { MaxDegreeOfParallelism = threads }, i => onnx.Predict(samples[i].Data!, samples[i].Name)));
Row($"classify, {threads} threads (ONNX 224x224x3 linear)", onnxAllWall, onnxAllCpu, $"{samples.Count / onnxAllWall.TotalSeconds:F1} images/s");

// The two real images.
var realDir = Path.Combine(AppContext.BaseDirectory, "RealSem");
if (Directory.Exists(realDir))
{
    foreach (var file in Directory.GetFiles(realDir, "*.jpg").Order(StringComparer.Ordinal))
    {
        var bytes = File.ReadAllBytes(file);
        var times = new List<double>();
        SemClassification? result = null;
        for (var r = 0; r < 20; r++)
        {
            var clock = Stopwatch.StartNew();
            result = SemClassifier.Classify(model, bytes, file, top: 3);
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        Row($"real image {Path.GetFileName(file)[..10]}…, 1 thread", TimeSpan.FromMilliseconds(times.Sum()), null,
            $"median {Median(times):F1} ms; {result!.Outcome} {result.Probability:F3} ({string.Join(", ", result.Top.Select(p => $"{p.Category} {p.Probability:F3}"))})");
    }
}

Console.WriteLine();
Console.WriteLine($"load average at end: {File.ReadAllText("/proc/loadavg").Trim()}");

void Row(string stage, TimeSpan wall, TimeSpan? cpu, string figure) =>
    Console.WriteLine(string.Create(culture, $"| {stage} | {wall.TotalSeconds:F2} s | {(cpu is { } c ? $"{c.TotalSeconds:F2} s" : "")} | {figure} |"));

static (TimeSpan Wall, TimeSpan Cpu) Measure(Action action)
{
    var process = Process.GetCurrentProcess();
    process.Refresh();
    var cpu0 = process.TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    action();
    clock.Stop();
    process.Refresh();
    return (clock.Elapsed, process.TotalProcessorTime - cpu0);
}

static double Median(List<double> values) => Percentile(values, 0.5);

static double Percentile(List<double> values, double q)
{
    var sorted = values.Order().ToList();
    return sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];
}

static string CpuModel() =>
    File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
