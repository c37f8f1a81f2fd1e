using Idrp.Analysis.Stm.Fast;
using Idrp.Analysis.Stm.Gwyddion;
using Idrp.Analysis.Stm.Matrix;
using Idrp.Analysis.Stm.Tests.Support;

namespace Idrp.Analysis.Stm.Tests.Exports;

public sealed class GwyddionExportTests
{
    [Fact]
    public void Gwy_file_opens_in_gwyddion_with_the_same_values()
    {
        var dir = Tools.TempDirectory();
        var fields = MatrixFields();
        var ours = Path.Combine(dir, "matrix.gwy");
        GwyWriter.Write(ours, fields);

        // Gwyddion reads our file and writes its own serialisation, which we then parse.
        var theirs = Path.Combine(dir, "resaved.gwy");
        Tools.Run("gwyddion", "gwyddion", "--no-splash", "--no-log-to-file", $"--convert-to-gwy={theirs}", ours);
        var (read, strings) = GwyReader.Read(theirs);

        Assert.Equal(fields.Count, read.Count);
        for (var i = 0; i < fields.Count; i++)
        {
            var expected = fields[i];
            var actual = read[$"/{i}/data"];
            Assert.Equal(expected.Title, strings[$"/{i}/data/title"]);
            AssertSameField(expected, actual, tolerance: 0);
        }
    }

    [Fact]
    public void Gsf_file_opens_in_gwyddion_with_the_same_values()
    {
        var dir = Tools.TempDirectory();
        using var fast = FastFile.Open(TestData.SyntheticMovie);
        var reader = fast.OpenMovie(FastChannels.UpForward);
        var frame = new float[reader.FrameSize];
        reader.ReadFrames(3, 1, frame);
        var field = new GwyField(reader.Width, reader.Height, Array.ConvertAll(frame, v => (double)v),
            fast.Metadata.WidthNm!.Value * 1e-9, fast.Metadata.HeightNm!.Value * 1e-9, "m", string.Empty, "FAST image 3 uf")
        {
            Metadata = new Dictionary<string, string> { ["Scanner.X_Points"] = "100" },
        };
        var gsf = Path.Combine(dir, "frame.gsf");
        GsfWriter.Write(gsf, field);

        var converted = Path.Combine(dir, "frame.gwy");
        Tools.Run("gwyddion", "gwyddion", "--no-splash", "--no-log-to-file", $"--convert-to-gwy={converted}", gsf);
        var (read, _) = GwyReader.Read(converted);

        // GSF stores float32; the frame is whole ADC counts, so the round trip is exact.
        AssertSameField(field, Assert.Single(read).Value, tolerance: 0);
    }

    private static List<GwyField> MatrixFields()
    {
        var parameters = MatrixParameterFile.Read(TestData.Path("pyMTRX", "2014Mar01-093225_0001.mtrx"));
        return MatrixFile.ReadImages(TestData.Path("pyMTRX", "2014Mar01-093225--7_100.Z_mtrx"), parameters)
            .Select(i => new GwyField(i.Columns, i.Rows, i.Values, i.WidthMetres, i.HeightMetres, "m", i.Unit, "Z " + i.Direction))
            .ToList();
    }

    private static void AssertSameField(GwyField expected, GwyReader.Field actual, double tolerance)
    {
        Assert.Equal(expected.Columns, actual.XRes);
        Assert.Equal(expected.Rows, actual.YRes);
        Assert.Equal(expected.XReal, actual.XReal, 1e-15);
        Assert.Equal(expected.YReal, actual.YReal, 1e-15);
        Assert.Equal(expected.XYUnit, actual.XYUnit);
        Assert.Equal(expected.ZUnit, actual.ZUnit);
        for (var i = 0; i < expected.Columns * expected.Rows; i++)
        {
            if (Math.Abs(expected.Values[i] - actual.Data[i]) > tolerance)
            {
                Assert.Fail($"pixel {i} (row {i / expected.Columns}): wrote {expected.Values[i]:R}, gwyddion read {actual.Data[i]:R}");
            }
        }
    }
}
