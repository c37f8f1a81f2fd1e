using System.Globalization;
using Idrp.Analysis.Kmap.Maps;
using Idrp.Analysis.Kmap.QSpace;

namespace Idrp.Analysis.Kmap.Tests;

public sealed class KmapCommandsTests(SmallSetFixture set) : IClassFixture<SmallSetFixture>
{
    [Fact]
    public void Convert_then_maps_writes_every_file_and_the_csv_matches_the_truth()
    {
        using var dir = new TempDirectory();

        var result = KmapCommands.Convert(set.MasterPath, dir.File("qspace.h5"), new QSpaceOptions { MedianFilter = true }, cancellationToken: TestContext.Current.CancellationToken);
        var files = KmapCommands.Maps(dir.File("qspace.h5"), dir.File("out"), new StrainReference.Spacing(set.Truth.D0), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(set.Truth.PointCount * set.Truth.EtaDegrees.Length, result.FramesRead);
        Assert.Equal(6, files.Count);
        Assert.All(files, f => Assert.True(new FileInfo(f).Length > 0, f));
        var lines = File.ReadAllLines(dir.File("out/fit.csv"));
        var header = lines[0].Split(',');
        var strain = Array.IndexOf(header, "strain");
        var index = Array.IndexOf(header, "point_index");
        foreach (var line in lines.Skip(1))
        {
            var cells = line.Split(',');
            var k = int.Parse(cells[index], CultureInfo.InvariantCulture);
            Assert.Equal(set.Truth.Strain[k], double.Parse(cells[strain], CultureInfo.InvariantCulture), 1e-5);
        }
    }

    [Fact]
    public void Fit_of_a_file_that_is_not_a_qspace_file_names_the_missing_dataset()
    {
        var ex = Assert.Throws<KmapException>(() =>
            KmapCommands.Fit(set.MasterPath, Path.Combine(set.Directory, "never.csv"), new StrainReference.Spacing(1)));

        Assert.Equal(set.MasterPath, ex.FilePath);
        Assert.Contains("Data/", ex.DatasetPath);
    }
}
