using Idrp.Analysis.Sem.Dataset;
using Idrp.Analysis.Sem.Model;
using Idrp.Analysis.Sem.Synthetic;

namespace Idrp.Analysis.Sem.Tests;

/// <summary>
/// One synthetic data set (10 categories × 16 images, 512×384 JPEG, seed 7) and the built-in model trained on it,
/// shared read-only by the tests that need a trained model. Training itself is what <see cref="TrainingTests"/> checks.
/// </summary>
public sealed class TrainedModelFixture : IDisposable
{
    public const int PerCategory = 16;
    private readonly TempDirectory _temp = new();

    public TrainedModelFixture()
    {
        Files = SyntheticSem.WriteDataset(DatasetDirectory, PerCategory, seed: 7, width: 512, height: 384);
        Manifest = SemTrainer.Train(SemDataset.Enumerate(DatasetDirectory), ModelDirectory, "synthetic seed 7");
    }

    public string DatasetDirectory => _temp.Combine("dataset");

    public string ModelDirectory => _temp.Combine("model");

    public IReadOnlyList<string> Files { get; }

    public SemModelManifest Manifest { get; }

    public void Dispose() => _temp.Dispose();
}

[CollectionDefinition(Name)]
public sealed class TrainedModelCollection : ICollectionFixture<TrainedModelFixture>
{
    public const string Name = "trained model";
}
