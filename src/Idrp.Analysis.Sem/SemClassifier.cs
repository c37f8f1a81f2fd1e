using System.Text.Json.Serialization;
using Idrp.Analysis.Sem.Dataset;
using Idrp.Analysis.Sem.Model;
using Idrp.Imaging;

namespace Idrp.Analysis.Sem;

/// <summary>A category with the model's probability for it (0…1).</summary>
public sealed record SemPrediction(
    [property: JsonPropertyName("category")] string Category,
    [property: JsonPropertyName("probability")] double Probability);

/// <summary>
/// The outcome for one image: the top category, or <see cref="SemClassifier.Uncertain"/> when its probability is below
/// the threshold; the best <c>k</c> categories either way; or the reason the image could not be read.
/// </summary>
public sealed record SemClassification(
    [property: JsonPropertyName("image")] string Image,
    [property: JsonPropertyName("outcome")] string Outcome,
    [property: JsonPropertyName("probability")] double Probability,
    [property: JsonPropertyName("top")] IReadOnlyList<SemPrediction> Top,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("modelVersion")] string ModelVersion,
    [property: JsonPropertyName("error"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error = null)
{
    [JsonIgnore]
    public bool IsUncertain => Outcome == SemClassifier.Uncertain;
}

/// <summary>Classifies single images and folders with a loaded model; folders over all cores, results in file order.</summary>
public static class SemClassifier
{
    /// <summary>The outcome when the most likely category's probability is below the threshold.</summary>
    public const string Uncertain = "uncertain";

    /// <summary>Used when nobody chooses: below one chance in two the suggestion is not worth acting on alone.</summary>
    public const double DefaultThreshold = 0.5;

    /// <summary>Classifies one encoded image.</summary>
    /// <param name="top">How many categories to list (1 … number of labels).</param>
    /// <param name="threshold">Top-1 probability below which the outcome is <see cref="Uncertain"/> (0…1).</param>
    /// <exception cref="ImageDecodeException">The image cannot be read.</exception>
    public static SemClassification Classify(ISemModel model, byte[] image, string source, int top = 3, double threshold = DefaultThreshold)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        if (threshold is < 0 or > 1 || double.IsNaN(threshold))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The threshold is a probability between 0 and 1.");
        }

        var probabilities = model.Predict(image, source);
        var labels = model.Manifest.Labels;
        var ranked = Enumerable.Range(0, probabilities.Length)
            .OrderByDescending(i => probabilities[i]).ThenBy(i => i)
            .Take(Math.Min(top, probabilities.Length))
            .Select(i => new SemPrediction(labels[i], Math.Round(probabilities[i], 4)))
            .ToList();
        var best = probabilities.Max();
        return new SemClassification(source, best >= threshold ? ranked[0].Category : Uncertain, Math.Round(best, 4), ranked, model.Manifest.Name, model.Manifest.Version);
    }

    /// <summary>
    /// Classifies a file, or every image below a folder (sorted by path), in parallel on <paramref name="threads"/> cores
    /// (0: all), yielding results in file order as they become ready. An unreadable image yields a result with
    /// <see cref="SemClassification.Error"/> and outcome "error" instead of stopping the run.
    /// </summary>
    /// <exception cref="FileNotFoundException">The path does not exist.</exception>
    public static IEnumerable<SemClassification> ClassifyPath(ISemModel model, string path, int top = 3, double threshold = DefaultThreshold, int threads = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        string[] files;
        if (File.Exists(path))
        {
            files = [path];
        }
        else if (Directory.Exists(path))
        {
            files = [.. Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Where(SemDataset.IsImageFile).Order(StringComparer.Ordinal)];
        }
        else
        {
            throw new FileNotFoundException($"no image or folder at {path}", path);
        }

        return files.AsParallel().AsOrdered()
            .WithDegreeOfParallelism(threads > 0 ? threads : Environment.ProcessorCount)
            .WithCancellation(cancellationToken)
            .Select(file =>
            {
                try
                {
                    return Classify(model, File.ReadAllBytes(file), file, top, threshold);
                }
                catch (ImageDecodeException e)
                {
                    return new SemClassification(file, "error", 0, [], model.Manifest.Name, model.Manifest.Version, e.Message);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return new SemClassification(file, "error", 0, [], model.Manifest.Name, model.Manifest.Version, $"cannot read image {file}: {e.Message}");
                }
            });
    }
}
