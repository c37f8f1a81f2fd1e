using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Idrp.Analysis.Sem.Dataset;
using Idrp.Analysis.Sem.Features;
using Idrp.Imaging;
using Microsoft.ML;
using Microsoft.ML.Trainers;
using Microsoft.ML.Transforms;

namespace Idrp.Analysis.Sem.Model;

/// <summary>Settings of a training run.</summary>
public sealed record SemTrainingOptions
{
    /// <summary>Share of each category held out for the accuracy figures (0.05…0.5).</summary>
    public double HeldOutFraction { get; init; } = 0.2;

    public InfoBarCrop Crop { get; init; } = InfoBarCrop.Default;

    /// <summary>Threads for feature extraction; 0 uses every core.</summary>
    public int Threads { get; init; }

    public string Name { get; init; } = "idrp-sem-features";

    /// <summary>The time stamp written into the model; injected so that tests can fix it.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;
}

/// <summary>
/// Trains the built-in model. Features of every image are computed in parallel (the data set is streamed: folders
/// file by file, tars entry by entry), each category is split into training and held-out images by a hash of the
/// file name (stable across runs, machines and folder moves), a multinomial logistic regression is fitted, and the
/// held-out images give the accuracy and the confusion matrix written next to the model.
/// </summary>
/// <remarks>
/// Trainer: ML.NET's SDCA maximum-entropy (multinomial logistic regression) on mean-variance normalised features.
/// Its softmax probabilities are calibrated, which the "uncertain" threshold relies on (boosted trees give sharper,
/// less honest scores); it is a convex problem, so the same data give the same model (one thread, fixed seed); it is
/// managed code with no native library. The nonlinearity lives in the features.
/// </remarks>
public static class SemTrainer
{
    public const string TrainerDescription = "ML.NET SdcaMaximumEntropy (multinomial logistic regression) on mean-variance normalised sem-features/1";

    /// <summary>Trains on <paramref name="samples"/> and writes the model folder <paramref name="outputDirectory"/> (model.json, model.zip, confusion.png).</summary>
    /// <param name="datasetName">Recorded in the report (e.g. the data set path).</param>
    /// <param name="progress">Images whose features are done.</param>
    /// <exception cref="InvalidDataException">Fewer than two categories with at least two readable images each.</exception>
    public static SemModelManifest Train(IEnumerable<SemSample> samples, string outputDirectory, string datasetName, SemTrainingOptions? options = null, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentException.ThrowIfNullOrEmpty(outputDirectory);
        options ??= new SemTrainingOptions();
        if (options.HeldOutFraction is < 0.05 or > 0.5)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.HeldOutFraction, "The held-out fraction must be between 0.05 and 0.5.");
        }

        options.Crop.Validate();
        var featureClock = Stopwatch.StartNew();
        var skipped = new ConcurrentBag<string>();
        var rows = ExtractAll(samples, options, skipped, progress, cancellationToken);
        featureClock.Stop();

        var labels = rows.Select(r => r.Label).Distinct(StringComparer.Ordinal).OrderBy(LabelOrder).ThenBy(l => l, StringComparer.Ordinal).ToList();
        var usable = labels.Where(l => rows.Count(r => r.Label == l) >= 2).ToList();
        if (usable.Count < 2)
        {
            throw new InvalidDataException($"{datasetName}: training needs at least two categories with two or more readable images each (found {string.Join(", ", labels.Select(l => $"{l}: {rows.Count(r => r.Label == l)}"))})");
        }

        labels = usable;
        var (train, test) = Split(rows.Where(r => labels.Contains(r.Label)).ToList(), options.HeldOutFraction);

        var trainClock = Stopwatch.StartNew();
        var ml = new MLContext(seed: 1);
        var trainView = ml.Data.LoadFromEnumerable(train.Select(r => new FeatureRow { Features = r.Features, Label = r.Label }), FeatureRow.Schema());
        var pipeline = ml.Transforms.Conversion.MapValueToKey("LabelKey", nameof(FeatureRow.Label), keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Append(ml.Transforms.NormalizeMeanVariance(nameof(FeatureRow.Features)))
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(new SdcaMaximumEntropyMulticlassTrainer.Options
            {
                LabelColumnName = "LabelKey",
                FeatureColumnName = nameof(FeatureRow.Features),
                NumberOfThreads = 1,
                MaximumNumberOfIterations = 200,
            }));
        var transformer = pipeline.Fit(trainView);
        trainClock.Stop();

        Directory.CreateDirectory(outputDirectory);
        var modelPath = Path.Combine(outputDirectory, "model.zip");
        ml.Model.Save(transformer, trainView.Schema, modelPath);
        var now = options.Clock.GetUtcNow();
        var hash = ContentHash(modelPath);
        var draft = new SemModelManifest
        {
            Kind = "features",
            Name = options.Name,
            Version = $"{now:yyyyMMdd'T'HHmmss'Z'}-{hash}",
            Labels = labels,
            Crop = options.Crop,
            FeatureSet = SemFeatures.Version,
            Model = "model.zip",
            Description = $"Built-in SEM classifier trained on {datasetName}",
        };

        // Evaluate the model as it will be loaded: through the same prediction path as classification.
        var confusion = new int[labels.Count][];
        for (var i = 0; i < labels.Count; i++)
        {
            confusion[i] = new int[labels.Count];
        }

        var top2 = 0;
        using (var model = FeatureSemModel.FromTrained(draft, ml, transformer))
        {
            foreach (var row in test)
            {
                var probabilities = model.PredictFeatures(row.Features);
                var truth = labels.IndexOf(row.Label);
                var ranked = Enumerable.Range(0, probabilities.Length).OrderByDescending(i => probabilities[i]).ThenBy(i => i).ToArray();
                confusion[truth][ranked[0]]++;
                if (ranked[0] == truth || (ranked.Length > 1 && ranked[1] == truth))
                {
                    top2++;
                }
            }
        }

        var correct = Enumerable.Range(0, labels.Count).Sum(i => confusion[i][i]);
        var perClass = labels.Select((label, i) =>
        {
            var actual = confusion[i].Sum();
            var predicted = confusion.Sum(row => row[i]);
            return new ClassReport(label, train.Count(r => r.Label == label), actual, actual > 0 ? (double)confusion[i][i] / actual : 0, predicted > 0 ? (double)confusion[i][i] / predicted : 0);
        }).ToList();
        var manifest = draft with
        {
            Training = new TrainingReport
            {
                Trainer = TrainerDescription,
                Dataset = datasetName,
                TrainedAt = now,
                TrainingImages = train.Count,
                HeldOutImages = test.Count,
                HeldOutFraction = options.HeldOutFraction,
                HeldOutAccuracy = test.Count > 0 ? Math.Round((double)correct / test.Count, 4) : 0,
                HeldOutTop2Accuracy = test.Count > 0 ? Math.Round((double)top2 / test.Count, 4) : 0,
                Confusion = confusion,
                PerClass = perClass,
                FeatureSeconds = Math.Round(featureClock.Elapsed.TotalSeconds, 2),
                TrainSeconds = Math.Round(trainClock.Elapsed.TotalSeconds, 2),
                Skipped = skipped.IsEmpty ? null : [.. skipped.Order(StringComparer.Ordinal)],
            },
        };
        ConfusionPlot.WritePng(labels, confusion, manifest.Training.HeldOutAccuracy, Path.Combine(outputDirectory, "confusion.png"));
        manifest.Write(outputDirectory);
        return manifest;
    }

    /// <summary>SHA-256 over the zip's entry names and contents (not its time stamps), so the same model has the same version suffix.</summary>
    private static string ContentHash(string zipPath)
    {
        using var zip = System.IO.Compression.ZipFile.OpenRead(zipPath);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var entry in zip.Entries.OrderBy(e => e.FullName, StringComparer.Ordinal))
        {
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(entry.FullName));
            using var stream = entry.Open();
            var buffer = new byte[81920];
            int read;
            while ((read = stream.Read(buffer)) > 0)
            {
                sha.AppendData(buffer.AsSpan(0, read));
            }
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset())[..8];
    }

    /// <summary>Rank in the seed's order first, other labels after it.</summary>
    private static int LabelOrder(string label)
    {
        var index = SemCategories.All.ToList().IndexOf(label);
        return index < 0 ? int.MaxValue : index;
    }

    private static List<(string Name, string Label, float[] Features)> ExtractAll(IEnumerable<SemSample> samples, SemTrainingOptions options, ConcurrentBag<string> skipped, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var rows = new ConcurrentBag<(string Name, string Label, float[] Features)>();
        var parallel = new ParallelOptions
        {
            MaxDegreeOfParallelism = options.Threads > 0 ? options.Threads : Environment.ProcessorCount,
            CancellationToken = cancellationToken,
        };

        // NoBuffering: each worker takes the next image when it is free, so a tar is read one entry ahead per worker.
        try
        {
            ExtractParallel(samples, options, parallel, rows, skipped, progress);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // A damaged archive or an unreadable folder surfaces on a worker; report it as itself.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }

        return [.. rows.OrderBy(r => r.Name, StringComparer.Ordinal)];
    }

    private static void ExtractParallel(IEnumerable<SemSample> samples, SemTrainingOptions options, ParallelOptions parallel, ConcurrentBag<(string Name, string Label, float[] Features)> rows, ConcurrentBag<string> skipped, IProgress<int>? progress)
    {
        var counter = new StrongBox<int>(0);
        Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(samples, EnumerablePartitionerOptions.NoBuffering), parallel, sample =>
        {
            try
            {
                rows.Add((sample.Name, sample.Label, SemFeatures.Extract(sample.ReadAllBytes(), sample.Name, options.Crop)));
            }
            catch (ImageDecodeException e)
            {
                skipped.Add(e.Message);
            }

            progress?.Report(Interlocked.Increment(ref counter.Value));
        });
    }

    /// <summary>Per label, the images whose name hashes lowest are held out: at least one when a label has two or more, never all.</summary>
    internal static (List<(string Name, string Label, float[] Features)> Train, List<(string Name, string Label, float[] Features)> Test) Split(
        List<(string Name, string Label, float[] Features)> rows, double fraction)
    {
        var train = new List<(string, string, float[])>();
        var test = new List<(string, string, float[])>();
        foreach (var group in rows.GroupBy(r => r.Label))
        {
            var ordered = group.OrderBy(r => SplitHash(r.Name)).ThenBy(r => r.Name, StringComparer.Ordinal).ToList();
            var held = ordered.Count < 2 ? 0 : Math.Clamp((int)Math.Round(ordered.Count * fraction), 1, ordered.Count - 1);
            test.AddRange(ordered.Take(held));
            train.AddRange(ordered.Skip(held));
        }

        return (train, test);
    }

    /// <summary>FNV-1a of the file name alone, so the split does not depend on where the data set lies.</summary>
    private static ulong SplitHash(string name)
    {
        var file = name[(Math.Max(name.LastIndexOf('/'), Math.Max(name.LastIndexOf('\\'), name.LastIndexOf('!'))) + 1)..];
        var hash = 14695981039346656037UL;
        foreach (var c in file)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash;
    }
}
