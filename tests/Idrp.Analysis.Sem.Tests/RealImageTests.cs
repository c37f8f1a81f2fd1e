using Idrp.Analysis.Sem.Model;

namespace Idrp.Analysis.Sem.Tests;

/// <summary>The two real NFFA-Europe nanowire images through the model trained on synthetic images only.</summary>
[Collection(TrainedModelCollection.Name)]
public sealed class RealImageTests(TrainedModelFixture fixture)
{
    [Fact]
    public void Real_nanowire_images_are_classified_with_nanowires_among_the_top_three()
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "RealSem");
        var files = Directory.Exists(dir) ? Directory.GetFiles(dir, "*.jpg") : [];
        Assert.True(files.Length == 2, $"the two real SEM images of shared/data/sem/Nanowires are copied to {dir} by the build");
        using var model = SemModels.Load(fixture.ModelDirectory);
        foreach (var file in files)
        {
            var result = SemClassifier.Classify(model, File.ReadAllBytes(file), file, top: 10);
            Assert.Equal(10, result.Top.Count);
            Assert.Equal(1.0, result.Top.Sum(t => t.Probability), 2);

            // A model that has seen only synthetic images either names Nanowires or keeps it among its first three.
            Assert.Contains(SemCategories.Nanowires, result.Top.Take(3).Select(t => t.Category));
        }
    }
}
