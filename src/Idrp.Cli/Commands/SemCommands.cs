using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Idrp.Analysis.Sem;
using Idrp.Analysis.Sem.Dataset;
using Idrp.Analysis.Sem.Model;
using Idrp.Analysis.Sem.Synthetic;

namespace Idrp.Cli.Commands;

/// <summary>
/// <c>idrp sem classify | train | synth</c>: the SEM image classifier on this machine, no server involved
/// (docs/analysis/sem.md).
/// </summary>
internal static class SemCommands
{
    public static Command Create() => new("sem", "SEM image classification on this machine: classify images, train the built-in model, make a synthetic demo set.")
    {
        Classify(),
        Train(),
        Synth(),
    };

    /// <summary>--model, else $IDRP_SEM_MODEL, else ~/.local/share/idrp/sem-model.</summary>
    internal static string DefaultModelDirectory =>
        Environment.GetEnvironmentVariable("IDRP_SEM_MODEL") is { Length: > 0 } env ? env
        : Path.Combine(
            OperatingSystem.IsWindows() ? Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData)
            : Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } xdg ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share"),
            "idrp", "sem-model");

    private static Command Classify()
    {
        var path = new Argument<string>("image-or-folder") { Description = "An image (JPEG, PNG, TIFF …) or a folder, searched recursively." };
        var model = new Option<string?>("--model") { Description = "Model folder (model.json + model.zip or model.onnx). Default: $IDRP_SEM_MODEL or ~/.local/share/idrp/sem-model." };
        var top = new Option<int>("--top") { Description = "How many categories to list per image.", DefaultValueFactory = _ => 3 };
        var threshold = new Option<double>("--threshold") { Description = "Below this top probability the outcome is 'uncertain'.", DefaultValueFactory = _ => SemClassifier.DefaultThreshold };
        var threads = new Option<int>("--threads") { Description = "Images classified at once (0: one per core).", DefaultValueFactory = _ => 0 };
        var json = ListCommands.JsonOption();
        json.Description = "Print the results as a JSON array.";
        var command = new Command("classify", "Suggest the category of an image or of every image in a folder, with probabilities.") { path, model, top, threshold, threads, json };
        command.SetAction((parse, ct) =>
        {
            var input = parse.GetValue(path)!;
            if (!File.Exists(input) && !Directory.Exists(input))
            {
                throw new CliException(ExitCodes.Usage, $"There is no image or folder {input}.");
            }

            var k = parse.GetValue(top);
            var p = parse.GetValue(threshold);
            if (k < 1 || p is < 0 or > 1 || double.IsNaN(p))
            {
                throw new CliException(ExitCodes.Usage, "--top is 1 or more and --threshold a probability from 0 to 1.");
            }

            using var loaded = LoadModel(parse.GetValue(model) ?? DefaultModelDirectory);
            var single = File.Exists(input);
            var results = new List<SemClassification>();
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            var failures = 0;
            foreach (var result in Unwrapped(SemClassifier.ClassifyPath(loaded, input, k, p, parse.GetValue(threads), ct)))
            {
                if (result.Error is not null)
                {
                    failures++;
                    if (single)
                    {
                        throw new CliException(ExitCodes.General, result.Error);
                    }

                    Console.Error.WriteLine("idrp: " + result.Error);
                }
                else
                {
                    counts[result.Outcome] = counts.GetValueOrDefault(result.Outcome) + 1;
                }

                var shown = single ? result : result with { Image = Path.GetRelativePath(input, result.Image) };
                if (parse.GetValue(json))
                {
                    results.Add(shown);
                }
                else if (result.Error is null)
                {
                    Console.WriteLine(Line(shown));
                }
            }

            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(results, ListCommands.Indented));
            }
            else if (!single)
            {
                var total = counts.Values.Sum() + failures;
                var summary = string.Join(", ", counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}"));
                Console.WriteLine($"{total} images: {(summary.Length > 0 ? summary : "none classified")}{(failures > 0 ? $", {failures} unreadable" : string.Empty)}");
            }

            return Task.FromResult(failures > 0 ? ExitCodes.General : ExitCodes.Ok);
        });
        return command;
    }

    /// <summary>"Nanowires/L6_0a6f.jpg  Nanowires 0.912  (Nanowires 0.912, Fibres 0.051, Tips 0.020)".</summary>
    private static string Line(SemClassification result) =>
        string.Create(CultureInfo.InvariantCulture, $"{result.Image}  {result.Outcome} {result.Probability:F3}  ({string.Join(", ", result.Top.Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Category} {t.Probability:F3}")))})");

    private static Command Train()
    {
        var dataset = new Argument<string>("dataset") { Description = "One folder (or .tar) per category, or files named L0_… to L9_… as published (NFFA-Europe SEM set)." };
        var output = new Option<string>("--out") { Description = "The model folder to write (model.json, model.zip, confusion.png).", Required = true };
        var holdout = new Option<double>("--holdout") { Description = "Share of each category held out to measure accuracy.", DefaultValueFactory = _ => 0.2 };
        var cropPixels = new Option<int?>("--crop-bottom-px") { Description = "Info bar height in pixels of the original image (default: 9 % of the height)." };
        var cropFraction = new Option<double?>("--crop-bottom-fraction") { Description = "Info bar height as a fraction of the image height (default 0.09)." };
        var threads = new Option<int>("--threads") { Description = "Images described at once (0: one per core).", DefaultValueFactory = _ => 0 };
        var json = ListCommands.JsonOption();
        json.Description = "Print the model's manifest (with the training report) as JSON.";
        var command = new Command("train", "Train the built-in SEM classifier on labelled images and measure it on held-out images.") { dataset, output, holdout, cropPixels, cropFraction, threads, json };
        command.SetAction((parse, ct) =>
        {
            var source = parse.GetValue(dataset)!;
            if (!File.Exists(source) && !Directory.Exists(source))
            {
                throw new CliException(ExitCodes.Usage, $"There is no data set at {source}.");
            }

            var fraction = parse.GetValue(holdout);
            if (fraction is < 0.05 or > 0.5 || double.IsNaN(fraction))
            {
                throw new CliException(ExitCodes.Usage, "--holdout is between 0.05 and 0.5.");
            }

            var crop = parse.GetValue(cropPixels) is null && parse.GetValue(cropFraction) is null
                ? InfoBarCrop.Default
                : new InfoBarCrop { BottomPixels = parse.GetValue(cropPixels) ?? 0, BottomFraction = parse.GetValue(cropFraction) ?? 0 };
            try
            {
                crop.Validate();
            }
            catch (ArgumentOutOfRangeException e)
            {
                throw new CliException(ExitCodes.Usage, e.Message.Split('\n')[0].Trim());
            }

            var skips = new DatasetSkips();
            var progress = new Progress(Console.IsErrorRedirected);
            SemModelManifest manifest;
            try
            {
                manifest = SemTrainer.Train(SemDataset.Enumerate(source, skips), parse.GetValue(output)!, Path.GetFullPath(source),
                    new SemTrainingOptions { HeldOutFraction = fraction, Crop = crop, Threads = parse.GetValue(threads) }, progress, ct);
            }
            catch (InvalidDataException e)
            {
                throw new CliException(ExitCodes.General, e.Message.ReplaceLineEndings(" "), e);
            }

            progress.Done();
            foreach (var (name, reason) in skips.Items)
            {
                Console.Error.WriteLine($"idrp: skipped {name}: {reason}");
            }

            foreach (var reason in manifest.Training!.Skipped ?? [])
            {
                Console.Error.WriteLine($"idrp: skipped {reason}");
            }

            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(manifest, ListCommands.Indented));
                return Task.FromResult(ExitCodes.Ok);
            }

            var t = manifest.Training;
            var c = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Create(c, $"trained {manifest.Name} {manifest.Version} on {t.TrainingImages} images ({t.FeatureSeconds:F1} s features, {t.TrainSeconds:F1} s fit)"));
            Console.WriteLine(string.Create(c, $"held-out accuracy {t.HeldOutAccuracy:P1} on {t.HeldOutImages} images (top-2 {t.HeldOutTop2Accuracy:P1})"));
            foreach (var row in t.PerClass)
            {
                Console.WriteLine(string.Create(c, $"  {row.Label,-28} {row.TrainingImages,6} train {row.HeldOutImages,5} held out  recall {row.Recall:P0}  precision {row.Precision:P0}"));
            }

            Console.WriteLine($"model written to {Path.GetFullPath(parse.GetValue(output)!)} (model.json, model.zip, confusion.png)");
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static Command Synth()
    {
        var output = new Argument<string>("folder") { Description = "Where to write one sub-folder per category." };
        var perCategory = new Option<int>("--per-category") { Description = "Images per category.", DefaultValueFactory = _ => 20 };
        var seed = new Option<int>("--seed") { Description = "The same seed gives the same images.", DefaultValueFactory = _ => 1 };
        var size = new Option<string>("--size") { Description = "WIDTHxHEIGHT in pixels.", DefaultValueFactory = _ => "1024x768" };
        var command = new Command("synth", "Write a synthetic SEM-like data set (ten categories, info bar at the bottom) for demos and tests.") { output, perCategory, seed, size };
        command.SetAction((parse, ct) =>
        {
            var parts = parse.GetValue(size)!.Split('x', 'X');
            if (parts.Length != 2 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out var width) || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out var height)
                || width is < 64 or > 8192 || height is < 64 or > 8192)
            {
                throw new CliException(ExitCodes.Usage, "--size is WIDTHxHEIGHT, each 64 to 8192.");
            }

            var n = parse.GetValue(perCategory);
            if (n is < 1 or > 100_000)
            {
                throw new CliException(ExitCodes.Usage, "--per-category is 1 to 100000.");
            }

            var files = SyntheticSem.WriteDataset(parse.GetValue(output)!, n, parse.GetValue(seed), width, height);
            Console.WriteLine($"wrote {files.Count} images ({n} per category, {width}x{height}) to {Path.GetFullPath(parse.GetValue(output)!)}");
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    /// <summary>PLINQ wraps a worker's failure (a network that rejects its input, a cancellation) in AggregateException; report the failure itself.</summary>
    private static IEnumerable<SemClassification> Unwrapped(IEnumerable<SemClassification> results)
    {
        using var e = results.GetEnumerator();
        while (true)
        {
            try
            {
                if (!e.MoveNext())
                {
                    yield break;
                }
            }
            catch (AggregateException failure) when (failure.InnerExceptions.Count > 0)
            {
                var inner = failure.InnerExceptions[0];
                if (inner is OperationCanceledException)
                {
                    throw inner;
                }

                throw new CliException(ExitCodes.General, inner.Message.ReplaceLineEndings(" "), inner);
            }

            yield return e.Current;
        }
    }

    private static ISemModel LoadModel(string directory)
    {
        try
        {
            return SemModels.Load(directory);
        }
        catch (SemModelException e) when (!Directory.Exists(directory))
        {
            throw new CliException(ExitCodes.Usage, $"no SEM model at {directory}: pass --model DIR, set IDRP_SEM_MODEL, or train one with 'idrp sem train DATASET --out DIR'", e);
        }
        catch (SemModelException e)
        {
            throw new CliException(ExitCodes.General, e.Message.ReplaceLineEndings(" "), e);
        }
    }

    /// <summary>"described 1200 images" on stderr, rewritten in place on a terminal, every 100 images when redirected.</summary>
    private sealed class Progress(bool redirected) : IProgress<int>
    {
        private int _shown;

        public void Report(int value)
        {
            if (redirected ? value % 100 == 0 : value % 10 == 0)
            {
                lock (this)
                {
                    if (value > _shown)
                    {
                        _shown = value;
                        Console.Error.Write(redirected ? $"described {value} images\n" : $"\rdescribed {value} images");
                    }
                }
            }
        }

        public void Done()
        {
            if (!redirected && _shown > 0)
            {
                Console.Error.WriteLine();
            }
        }
    }
}
