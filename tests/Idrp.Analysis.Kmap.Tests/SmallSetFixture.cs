using Idrp.Analysis.Kmap.Input;
using Idrp.Analysis.Kmap.Synthetic;

namespace Idrp.Analysis.Kmap.Tests;

/// <summary>
/// The accuracy set: 4 x 3 points x 21 rocking angles of the full 516 x 516 detector (the geometry and noise,
/// fewer points), generated once per test class in about two seconds.
/// </summary>
public sealed class SmallSetFixture : IDisposable
{
    private readonly TempDirectory _directory = new();

    public SmallSetFixture()
    {
        Options = new SyntheticKmapOptions { Nx = 4, Ny = 3, Angles = 21 };
        Truth = SyntheticKmap.Generate(_directory.Path, Options, TestContext.Current.CancellationToken);
        MasterPath = _directory.File(SyntheticKmap.MasterFileName);
        Dataset = KmapDataset.Open(MasterPath);
    }

    public SyntheticKmapOptions Options { get; }

    public SyntheticKmapTruth Truth { get; }

    public string MasterPath { get; }

    public string Directory => _directory.Path;

    public KmapDataset Dataset { get; }

    public void Dispose() => _directory.Dispose();
}
