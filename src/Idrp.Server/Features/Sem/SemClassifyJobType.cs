using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Nodes;
using Idrp.Analysis.Sem;
using Idrp.Domain.Jobs;
using Idrp.Imaging;

namespace Idrp.Server.Features.Sem;

public sealed class SemClassifyParameters
{
    /// <summary>The model to use: the id of a model.json data asset written by sem.train (default: see the docs).</summary>
    public Guid? ModelAssetId { get; set; }

    /// <summary>How many categories to list per image, most likely first (default: all ten).</summary>
    [Range(1, 100)]
    public int Top { get; set; } = 10;

    /// <summary>Below this probability of the most likely category the outcome is "uncertain".</summary>
    [Range(0.0, 1.0)]
    public double Threshold { get; set; } = SemClassifier.DefaultThreshold;
}

/// <summary>One image's result in the job's result (and what the web UI shows).</summary>
public sealed record SemImageResult(Guid AssetId, string Path, string Outcome, double Probability, IReadOnlyList<SemPrediction> Top, string? Error = null);

/// <summary>The job's result: the model used and one entry per image, in path order.</summary>
public sealed record SemClassifyResult(string Model, string ModelVersion, Guid? ModelAssetId, double Threshold, IReadOnlyDictionary<string, int> Outcomes, IReadOnlyList<SemImageResult> Images);

/// <summary>
/// Classifies every image of a measurement (or the images named) with the current SEM model. Each image's outcome —
/// its most likely category, or "uncertain" below the threshold — becomes the image's category in the scheme
/// "sem-category" (source "model:&lt;model&gt;@&lt;version&gt;", the probability as confidence), which search indexes and
/// facets; the top categories with probabilities are the job's result. Unreadable images are logged and listed.
/// </summary>
internal sealed class SemClassifyJobType(SemModelLocator models) : JobType<SemClassifyParameters>
{
    public const string ActivityName = "sem.classify";

    public override string Name => ActivityName;

    public override string Version => "1";

    public override string Description => "Suggest an SEM category (of ten, with probabilities) for every image of a measurement; results become the images' sem-category.";

    /// <summary>The shape of the result, for readers such as the web UI.</summary>
    public static readonly JsonSerializerOptions ResultJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    protected override async Task RunAsync(IJobContext context, SemClassifyParameters parameters, CancellationToken cancellationToken)
    {
        var images = context.Inputs.Where(SemNames.IsImage).OrderBy(i => i.Path, StringComparer.Ordinal).ToList();
        if (images.Count == 0)
        {
            throw new JobFailedException("None of the inputs is an image (TIFF, JPEG, PNG, BMP, GIF, WebP).");
        }

        context.ReportProgress(0, "Loading the model");
        var located = await models.LoadAsync(context, parameters.ModelAssetId, cancellationToken);
        using var model = located.Model;
        var modelName = $"{model.Manifest.Name}@{model.Manifest.Version}";
        context.Log($"Model {modelName} ({located.Origin}), {images.Count} image(s), threshold {parameters.Threshold}.");

        var results = new ConcurrentDictionary<Guid, SemImageResult>();
        var done = 0;
        await Parallel.ForEachAsync(images, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken }, async (image, ct) =>
        {
            byte[] bytes;
            await using (var source = await context.OpenInputAsync(image, ct))
            using (var buffer = new MemoryStream())
            {
                await source.CopyToAsync(buffer, ct);
                bytes = buffer.ToArray();
            }

            try
            {
                var c = SemClassifier.Classify(model, bytes, image.Path, parameters.Top, parameters.Threshold);
                results[image.Id] = new SemImageResult(image.Id, image.Path, c.Outcome, c.Probability, c.Top);
                context.AddCategory(image, SemNames.Scheme, c.Outcome, Math.Clamp(c.Probability, 0, 1), modelName);
            }
            catch (ImageDecodeException e)
            {
                context.Log($"{image.Path}: {e.Message}", JobLogLevel.Warning);
                results[image.Id] = new SemImageResult(image.Id, image.Path, "error", 0, [], e.Message);
            }

            var n = Interlocked.Increment(ref done);
            context.ReportProgress((double)n / images.Count, $"Classified {n} of {images.Count}");
        });

        var ordered = images.Select(i => results[i.Id]).ToList();
        var outcomes = ordered.GroupBy(r => r.Outcome).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count());
        var result = new SemClassifyResult(model.Manifest.Name, model.Manifest.Version, located.ManifestAssetId, parameters.Threshold, outcomes, ordered);
        context.SetResult(JsonSerializer.SerializeToNode(result, ResultJson)!);
        if (ordered.All(r => r.Error is not null))
        {
            throw new JobFailedException("No image could be read; see the log.");
        }
    }
}
