using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Nodes;
using Idrp.Analysis.Sem;
using Idrp.Analysis.Sem.Dataset;
using Idrp.Analysis.Sem.Model;
using Idrp.Domain.Jobs;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Idrp.Server.Features.Sem;

public sealed class SemTrainParameters
{
    /// <summary>Share of each category held out for the accuracy figures.</summary>
    [Range(0.05, 0.5)]
    public double HeldOutFraction { get; set; } = 0.2;
}

/// <summary>Where an image's training label came from.</summary>
public enum SemLabelSource
{
    /// <summary>A person confirmed or corrected the image's sem-category.</summary>
    Confirmed,

    /// <summary>A folder of the image's path names a category (the published layout: one folder per category).</summary>
    Folder,

    /// <summary>The published file name L0…L9_&lt;hash&gt;.</summary>
    FileName,
}

/// <summary>A label used in training.</summary>
public sealed record SemTrainingLabel(Guid AssetId, string Path, string Label, SemLabelSource Source);

/// <summary>What a training job reports: the model, its held-out figures, and which labels it learnt from.</summary>
public sealed record SemTrainResult(
    string Model, string ModelVersion, Guid ModelAssetId, Guid ConfusionAssetId,
    double HeldOutAccuracy, double HeldOutTop2Accuracy, int TrainingImages, int HeldOutImages,
    IReadOnlyDictionary<string, int> LabelSources, int Unlabelled,
    IReadOnlyList<SemTrainingLabel> Confirmed, IReadOnlyList<ClassReport> PerCategory, IReadOnlyList<string>? Skipped);

/// <summary>
/// Trains the built-in SEM model on the labelled images of a measurement (or the images named). A label is a
/// person's confirmed sem-category if there is one, else a folder of the path naming a category, else the published
/// file name prefix L0…L9; models' suggestions are never labels. Each category is split into training and held-out
/// images; the model folder (model.json with the training report, model.zip, confusion.png) is written to
/// sem-models/&lt;version&gt;/ of the target measurement, derived from the images it learnt from.
/// </summary>
internal sealed class SemTrainJobType(IServiceScopeFactory scopes) : JobType<SemTrainParameters>
{
    public const string ActivityName = "sem.train";

    public override string Name => ActivityName;

    public override string Version => "1";

    public override string Description => "Train the built-in SEM classifier on a measurement's labelled images (confirmed categories, category folders, L0…L9 file names); writes the model with its held-out accuracy and confusion matrix.";

    protected override async Task RunAsync(IJobContext context, SemTrainParameters parameters, CancellationToken cancellationToken)
    {
        var images = context.Inputs.Where(SemNames.IsImage).OrderBy(i => i.Path, StringComparer.Ordinal).ToList();
        var confirmed = await ConfirmedLabelsAsync(images.Select(i => i.Id).ToList(), cancellationToken);
        var labels = new List<(JobInputAsset Image, SemTrainingLabel Label)>();
        foreach (var image in images)
        {
            if (LabelOf(image, confirmed) is { } label)
            {
                labels.Add((image, label));
            }
        }

        context.Log($"{labels.Count} labelled image(s) of {images.Count}: " + string.Join(", ", labels.GroupBy(l => l.Label.Source).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}")));
        if (labels.Count == 0)
        {
            throw new JobFailedException($"None of the {images.Count} image(s) has a label: confirm categories in the web UI, or put the images in folders named after categories (or name them L0_… to L9_…).");
        }

        context.ReportProgress(0, "Copying the images");
        var root = await context.MaterializeInputsAsync(labels.Select(l => l.Image), cancellationToken);
        var samples = labels.Select(l => new SemSample(l.Image.Path, l.Label.Label, Path.Combine(root, l.Image.Path), null)).ToList();
        var output = Path.Combine(context.WorkDirectory, "model");
        var progress = new Progress<int>(n => context.ReportProgress(0.9 * n / samples.Count, $"Features of {n} of {samples.Count} images"));
        SemModelManifest manifest;
        try
        {
            manifest = await Task.Run(() => SemTrainer.Train(samples, output, $"measurement {context.TargetMeasurementId}",
                new SemTrainingOptions { HeldOutFraction = parameters.HeldOutFraction, Threads = Environment.ProcessorCount }, progress, cancellationToken), cancellationToken);
        }
        catch (InvalidDataException e)
        {
            throw new JobFailedException(e.Message);
        }

        var training = manifest.Training!;
        context.Log($"Trained {manifest.Name} {manifest.Version} on {training.TrainingImages} images; held-out accuracy {training.HeldOutAccuracy:P1} on {training.HeldOutImages}.");
        var folder = $"{SemNames.ModelFolder}/{manifest.Version}";
        var from = labels.Select(l => l.Image).ToList();
        Guid modelId = default, confusionId = default;
        foreach (var (name, mediaType) in new[] { (SemModelManifest.FileName, "application/json"), (manifest.Model!, "application/zip"), ("confusion.png", "image/png") })
        {
            await using var file = File.OpenRead(Path.Combine(output, name));
            var id = await context.AddOutputAsync(name, file, mediaType, from, folder, cancellationToken);
            if (name == SemModelManifest.FileName)
            {
                modelId = id;
            }
            else if (name == "confusion.png")
            {
                confusionId = id;
            }
        }

        var result = new SemTrainResult(manifest.Name, manifest.Version, modelId, confusionId,
            training.HeldOutAccuracy, training.HeldOutTop2Accuracy, training.TrainingImages, training.HeldOutImages,
            labels.GroupBy(l => l.Label.Source).ToDictionary(g => JsonNamingPolicy.CamelCase.ConvertName(g.Key.ToString()), g => g.Count()), images.Count - labels.Count,
            [.. labels.Where(l => l.Label.Source == SemLabelSource.Confirmed).Select(l => l.Label)], training.PerClass, training.Skipped);
        context.SetResult(JsonSerializer.SerializeToNode(result, SemClassifyJobType.ResultJson)!);
    }

    /// <summary>A person's label, else a category folder of the path (deepest first), else the published file name.</summary>
    private static SemTrainingLabel? LabelOf(JobInputAsset image, IReadOnlyDictionary<Guid, string> confirmed)
    {
        if (confirmed.TryGetValue(image.Id, out var label))
        {
            return new SemTrainingLabel(image.Id, image.Path, label, SemLabelSource.Confirmed);
        }

        foreach (var folder in image.RelativePath.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse())
        {
            if (SemCategories.FromName(folder) is { } category)
            {
                return new SemTrainingLabel(image.Id, image.Path, category, SemLabelSource.Folder);
            }
        }

        return SemCategories.FromPublishedFileName(image.Name) is { } published
            ? new SemTrainingLabel(image.Id, image.Path, published, SemLabelSource.FileName)
            : null;
    }

    /// <summary>People's sem-category per image (the newest when several people confirmed); "uncertain" is no label.</summary>
    private async Task<Dictionary<Guid, string>> ConfirmedLabelsAsync(List<Guid> ids, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdrpDbContext>();
        var labels = new Dictionary<Guid, string>();
        foreach (var chunk in ids.Chunk(500))
        {
            var tags = await db.AssetCategories.AsNoTracking()
                .Where(c => chunk.Contains(c.DataAssetId) && c.Scheme == SemNames.Scheme && c.Source.StartsWith(AssetCategory.PersonPrefix))
                .OrderBy(c => c.UpdatedAt).Select(c => new { c.DataAssetId, c.Value }).ToListAsync(cancellationToken);
            foreach (var tag in tags.Where(t => t.Value != SemClassifier.Uncertain))
            {
                labels[tag.DataAssetId] = tag.Value;
            }
        }

        return labels;
    }
}
