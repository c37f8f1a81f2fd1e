using Idrp.Analysis.Stm.Matrix;
using Idrp.Analysis.Stm.Tests.Support;

namespace Idrp.Analysis.Stm.Tests.Matrix;

public sealed class MatrixFileTests
{
    [Theory]
    [InlineData("pyMTRX", "2014Mar01-093225_0001.mtrx", "2014Mar01-093225--7_100.Z_mtrx", 300, 4)]
    [InlineData("proespm-py3", "20201111_0001.mtrx", "20201111--4_1.Z_mtrx", 400, 2)]
    public void Images_equal_the_decoded_reference_in_metres(string folder, string parameterFile, string dataFile, int size, int directions)
    {
        var parameters = MatrixParameterFile.Read(TestData.Path(folder, parameterFile));
        var images = MatrixFile.ReadImages(TestData.Path(folder, dataFile), parameters);
        var reference = NpyArray.ReadNpz(TestData.Path(folder, dataFile + ".npz"));

        Assert.Equal(directions, images.Count);
        foreach (var image in images)
        {
            Assert.Equal("m", image.Unit);
            Assert.True(reference.TryGetValue(image.Direction.ToString(), out var expected), $"reference lacks {image.Direction}");
            Assert.Equal([size, size], expected.Shape);
            Assert.Equal(size, image.Columns);
            Assert.Equal(size, image.Rows);
            var measured = 0;
            for (var i = 0; i < image.Values.Length; i++)
            {
                var e = expected.Values[i];
                var a = image.Values[i];
                if (double.IsNaN(e) || double.IsNaN(a))
                {
                    Assert.True(double.IsNaN(e) == double.IsNaN(a) || e == 0, $"{image.Direction} pixel {i}: {a} vs reference {e}");
                    continue;
                }

                measured++;
                if (Math.Abs(a - e) > 1e-12 * Math.Abs(e) + 1e-24)
                {
                    Assert.Fail($"{image.Direction} row {i / size} column {i % size}: {a:R} != reference {e:R}");
                }
            }

            Assert.True(measured > size * size / 2, $"{image.Direction}: only {measured} measured pixels compared");
        }
    }

    [Fact]
    public void Image_scaling_comes_from_the_parameter_file()
    {
        var parameters = MatrixParameterFile.Read(TestData.Path("pyMTRX", "2014Mar01-093225_0001.mtrx"));
        var image = MatrixFile.ReadImages(TestData.Path("pyMTRX", "2014Mar01-093225--7_100.Z_mtrx"), parameters)[0];
        var settings = parameters.SettingsFor("2014Mar01-093225--7_100.Z_mtrx");

        Assert.Equal(settings["XYScanner_Width"].AsDouble(), image.WidthMetres);
        Assert.Equal("m", settings["XYScanner_Width"].Unit);
        Assert.InRange(image.WidthMetres, 1e-9, 1e-5);
        Assert.Equal(300, (int)settings["XYScanner_Points"].AsDouble());
    }

    [Theory]
    [InlineData("2014Sep30-111118--1_1.I(V)_mtrx", "V")]
    [InlineData("2014Sep30-111118--2_1.I(V)_mtrx", "V")]
    [InlineData("2014Sep30-111118--4_1.I(V)_mtrx", "V")]
    [InlineData("2014Sep30-111118--1_1.I(t)_mtrx", "s")]
    public void Spectroscopy_curves_have_physical_axes(string dataFile, string xUnit)
    {
        var parameters = MatrixParameterFile.Read(TestData.Path("pyMTRX", "2014Sep30-111118_0001.mtrx"));
        var curves = MatrixFile.ReadCurves(TestData.Path("pyMTRX", dataFile), parameters);
        var data = File.ReadAllBytes(TestData.Path("pyMTRX", dataFile));

        Assert.NotEmpty(curves);
        Assert.Equal(xUnit, curves[0].XUnit);
        Assert.Equal("A", curves[0].YUnit);
        foreach (var curve in curves)
        {
            // currents in A, not raw counts; NaN only where the sweep was interrupted
            Assert.All(curve.Y.Where(y => !double.IsNaN(y)), y => Assert.InRange(Math.Abs(y), 0, 1e-6));
        }

        Assert.All(curves, c => Assert.Equal(c.X.Length, c.Y.Length));
        Assert.True(curves[0].X[^1] > curves[0].X[0], "the sweep axis increases");
        // each recorded 32-bit value is one point: the DATA block starts at byte 104 and runs to the end
        var recorded = curves.Sum(c => c.Y.Count(y => !double.IsNaN(y)));
        Assert.Equal((data.Length - 104) / 4, recorded);
    }
}
