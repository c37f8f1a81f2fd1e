using System.Buffers.Binary;
using Idrp.Analysis.Stm.Fast;
using Idrp.Analysis.Stm.Processing;
using Idrp.Analysis.Stm.Tests.Support;

namespace Idrp.Analysis.Stm.Tests.Processing;

public sealed class StmFilesTests
{
    [Fact]
    public void Signal_calibration_turns_counts_into_the_units_of_the_signal_input()
    {
        // the generator records SignalIn.InputRange = 10 V, ConversionFactor = 1 nA/V, Offset = 0: 32768 counts = 10 nA
        using var file = FastFile.Open(TestData.SyntheticMovie);
        var signal = file.Metadata.Signal!;
        Assert.Equal("nA", signal.Unit);
        Assert.Equal(10.0, signal.Apply(32768), 12);
        Assert.Equal(250 * 10.0 / 32768, signal.Apply(250), 12);
    }

    [Fact]
    public void Signal_calibration_is_absent_when_the_file_does_not_record_the_input_range()
    {
        using var file = FastFile.Open(TestData.Path("proespm-py3", "SI_250605_012.h5"));
        Assert.Null(file.Metadata.Signal);
    }

    [Fact]
    public void A_fast_movie_is_described_with_settings_and_units()
    {
        var summary = StmFiles.Describe(TestData.SyntheticMovie);
        Assert.Equal(StmFileKind.FastMovie, summary.Kind);
        Assert.Equal("100 x 100", summary.Technical["frameSize"]);
        var calibration = summary.Settings.Single(s => s.Key == "Scanner.X_Calibration");
        Assert.Equal((20.0, "nm/V"), (calibration.Number!.Value, calibration.Unit!));
        Assert.DoesNotContain(summary.Settings, s => s.Key.EndsWith(".Unit", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("synthetic/FS_synthetic_100x100_25img.h5", 200, 200)]
    [InlineData("proespm-py3/SI_250605_012.h5", 225, 225)]
    [InlineData("pyMTRX/2014Mar01-093225--7_100.Z_mtrx", 300, 300)]
    public void Preview_png_is_rendered_for_fast_and_matrix_images(string sample, int width, int height)
    {
        using var png = new MemoryStream();
        StmFiles.RenderPreviewPng(TestData.Path(sample.Split('/')), png, 256);
        var bytes = png.ToArray();
        Assert.Equal(0x89, bytes[0]);
        Assert.Equal(width, (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(16)));
        Assert.Equal(height, (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(20)));
    }

    [Fact]
    public void Preview_of_a_file_without_an_image_says_so()
    {
        using var png = new MemoryStream();
        Assert.Throws<NotSupportedException>(() => StmFiles.RenderPreviewPng(TestData.Path("proespm-py3", "AT_250526_002.h5"), png));
        Assert.Throws<NotSupportedException>(() => StmFiles.RenderPreviewPng(TestData.Path("pyMTRX", "2014Mar01-093225_0001.mtrx"), png));
    }

    [Fact]
    public void Fft_filter_options_parse_the_cli_list()
    {
        var options = FftFilterOptions.Parse("x, y, xo=5, hp=800:300, pump=1500:50, pumpo=2, width=2");
        Assert.True(options.FilterX && options.FilterY && options.FilterXOvertones && options.FilterHighPass);
        Assert.Equal(5, options.XOvertones);
        Assert.Equal((800.0, 300.0), (options.HighPassHz, options.HighPassWidthHz));
        Assert.Equal([1500.0, 50.0], options.PumpHz!);
        Assert.Equal((2, 2.0), (options.PumpOvertones, options.BroadnessHz!.Value));
        Assert.Throws<FormatException>(() => FftFilterOptions.Parse("x,nonsense"));
        Assert.Throws<FormatException>(() => FftFilterOptions.Parse("hp=abc"));
    }
}
