using System.Text.Json;
using Idrp.Analysis.Sem.Model;
using Idrp.Analysis.Sem.Synthetic;
using Idrp.Imaging;

namespace Idrp.Analysis.Sem.Tests;

[Collection(TrainedModelCollection.Name)]
public sealed class TrainingTests(TrainedModelFixture fixture)
{
    [Fact]
    public void Held_out_accuracy_on_synthetic_images_is_far_above_chance()
    {
        var training = fixture.Manifest.Training!;
        Assert.Equal(SemCategories.All, fixture.Manifest.Labels);
        Assert.Equal(10 * TrainedModelFixture.PerCategory, training.TrainingImages + training.HeldOutImages);
        Assert.Equal(30, training.HeldOutImages); // round(16 × 0.2) = 3 per category

        // Chance is 10 %; the features separate the synthetic signatures almost perfectly.
        Assert.True(training.HeldOutAccuracy >= 0.8, $"held-out accuracy {training.HeldOutAccuracy}");
        Assert.Equal(training.HeldOutImages, training.Confusion.Sum(row => row.Sum()));
        var diagonal = Enumerable.Range(0, 10).Sum(i => training.Confusion[i][i]);
        Assert.Equal(training.HeldOutAccuracy, Math.Round((double)diagonal / training.HeldOutImages, 4));
    }

    [Fact]
    public void Model_folder_holds_manifest_model_and_confusion_picture()
    {
        var manifest = SemModelManifest.Read(fixture.ModelDirectory);
        Assert.Equal("features", manifest.Kind);
        Assert.Equal(Features.SemFeatures.Version, manifest.FeatureSet);
        Assert.Matches("^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}$", manifest.Version);
        Assert.True(File.Exists(Path.Combine(fixture.ModelDirectory, "model.zip")));
        var png = ImageDecoder.ReadRgb(Path.Combine(fixture.ModelDirectory, "confusion.png"));
        Assert.Equal(900, png.Width);
        Assert.Equal(800, png.Height);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(fixture.ModelDirectory, "model.json")));
        Assert.Equal(10, json.RootElement.GetProperty("training").GetProperty("confusion").GetArrayLength());
    }

    [Fact]
    public void Loaded_model_classifies_fresh_synthetic_images_of_every_category()
    {
        using var model = SemModels.Load(fixture.ModelDirectory);
        var correct = 0;
        foreach (var category in SemCategories.All)
        {
            for (var i = 0; i < 3; i++)
            {
                // Images the model never saw (another seed).
                var image = SyntheticSem.Generate(category, i, seed: 99, width: 512, height: 384);
                using var jpeg = new MemoryStream();
                ImageEncoder.WriteJpeg(image, jpeg);
                var result = SemClassifier.Classify(model, jpeg.ToArray(), $"{category} {i}", top: 10, threshold: 0);
                Assert.Equal(10, result.Top.Count);
                Assert.Equal(1.0, result.Top.Sum(p => p.Probability), 2);
                correct += result.Outcome == category ? 1 : 0;
            }
        }

        Assert.True(correct >= 24, $"{correct} of 30 fresh images classified correctly");
    }

    [Fact]
    public void Training_the_same_data_twice_gives_the_same_model()
    {
        using var temp = new TempDirectory();
        var clock = new FixedClock(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var subset = Dataset.SemDataset.Enumerate(fixture.DatasetDirectory).Where(s => s.Label is SemCategories.Tips or SemCategories.Powder or SemCategories.Fibres)
            .GroupBy(s => s.Label).SelectMany(g => g.Take(8)).ToList();
        var first = SemTrainer.Train(subset, temp.Combine("a"), "subset", new SemTrainingOptions { Clock = clock });
        var second = SemTrainer.Train(subset, temp.Combine("b"), "subset", new SemTrainingOptions { Clock = clock, Threads = 1 });
        Assert.Equal(first.Version, second.Version);
        Assert.Equal(first.Training!.Confusion.SelectMany(r => r), second.Training!.Confusion.SelectMany(r => r));
        Assert.Equal([SemCategories.Fibres, SemCategories.Tips, SemCategories.Powder], first.Labels);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
