using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;

namespace Idrp.Cli.Tests;

/// <summary>The <c>idrp stm</c> verbs, run as processes on the shared STM samples (no server involved).</summary>
public sealed class StmCliTests : IDisposable
{
    private readonly Cli _cli = new();
    private readonly string _out = Directory.CreateTempSubdirectory("idrp-stm-cli-").FullName;

    private static string Synthetic => Sample("synthetic", "FS_synthetic_100x100_25img.h5");

    public void Dispose()
    {
        _cli.Dispose();
        Directory.Delete(_out, recursive: true);
    }

    [Fact]
    public async Task Info_prints_the_movie_geometry_and_settings_with_units()
    {
        var result = await _cli.RunAsync("stm", "info", Synthetic);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("kind: FastMovie", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("frames(udf): 50", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("scanSize: 10 nm x 10 nm", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Scanner.X_Calibration = 20 nm/V", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Frames_with_corrections_are_written_as_pngs_of_the_rendered_size()
    {
        var folder = Path.Combine(_out, "frames");
        var result = await _cli.RunAsync("stm", "frames", Synthetic, "--out", folder, "--channels", "udf", "--auto-phase", "--fft", "default",
            "--creep", "--first", "3", "--count", "2", "--scale", "2");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("2 frames of 100 x 100 (udf, x phase 3, FFT filtered, creep", result.Stdout, StringComparison.Ordinal);
        var files = Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["FS_synthetic_100x100_25img_udf_00003.png", "FS_synthetic_100x100_25img_udf_00004.png"], files);
        var (width, height) = PngSize(Path.Combine(folder, files[0]!));
        Assert.Equal((200, 200), (width, height));
    }

    [Fact]
    public async Task Movie_is_an_mp4_with_every_frame()
    {
        var mp4 = Path.Combine(_out, "movie.mp4");
        var result = await _cli.RunAsync("stm", "movie", Synthetic, "-o", mp4, "--fft", "x,y,xo", "--interpolate", "--scale", "2");
        Assert.True(result.ExitCode == 0, result.ToString());
        var probe = Run("ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets",
            "-show_entries", "stream=nb_read_packets,width,height", "-of", "csv=p=0", mp4);
        Assert.Equal("200,200,50", probe.Trim());
    }

    [Fact]
    public async Task Export_writes_gsf_per_frame_in_metres_and_matrix_images_to_gwy()
    {
        var gsf = Path.Combine(_out, "gsf");
        var result = await _cli.RunAsync("stm", "export", Synthetic, "--format", "gsf", "--out", gsf, "--first", "0", "--count", "3", "--interpolate", "--physical");
        Assert.True(result.ExitCode == 0, result.ToString());
        var files = Directory.GetFiles(gsf).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(3, files.Length);
        var header = File.ReadAllText(files[0]).Split('\0')[0];
        Assert.StartsWith("Gwyddion Simple Field 1.0", header, StringComparison.Ordinal);
        Assert.Contains("XRes = 100", header, StringComparison.Ordinal);
        Assert.Contains("XReal = 1E-08", header, StringComparison.Ordinal);
        Assert.Contains("ZUnits = nA", header, StringComparison.Ordinal);

        var gwy = Path.Combine(_out, "gwy");
        var matrix = await _cli.RunAsync("stm", "export", Sample("pyMTRX", "2014Mar01-093225--7_100.Z_mtrx"), "--format", "gwy", "--out", gwy);
        Assert.True(matrix.ExitCode == 0, matrix.ToString());
        Assert.Contains("4 channels written", matrix.Stdout, StringComparison.Ordinal);
        // read back by Gwyddion itself: it must convert the file without complaint
        var copy = Path.Combine(_out, "copy.gwy");
        Run("gwyddion", "--convert-to-gwy=" + copy, Path.Combine(gwy, "2014Mar01-093225--7_100.gwy"));
        Assert.True(new FileInfo(copy).Length > 4 * 300 * 300 * 8);
    }

    [Fact]
    public async Task Matrix_writes_png_per_direction_and_csv_for_curves()
    {
        var images = await _cli.RunAsync("stm", "matrix", Sample("pyMTRX", "2014Mar01-093225--7_100.Z_mtrx"), "--out", Path.Combine(_out, "img"));
        Assert.True(images.ExitCode == 0, images.ToString());
        Assert.Equal(4, Directory.GetFiles(Path.Combine(_out, "img"), "*.png").Length);
        Assert.Contains("TraceUp: 300 x 300", images.Stdout, StringComparison.Ordinal);

        var curves = await _cli.RunAsync("stm", "matrix", Sample("pyMTRX", "2014Sep30-111118--1_1.I(V)_mtrx"), "--out", Path.Combine(_out, "iv"));
        Assert.True(curves.ExitCode == 0, curves.ToString());
        var lines = File.ReadAllLines(Path.Combine(_out, "iv", "2014Sep30-111118--1_1.I(V)_mtrx.csv"));
        Assert.StartsWith("V,", lines[0], StringComparison.Ordinal);
        Assert.True(lines.Length > 10, $"{lines.Length} lines");
    }

    [Fact]
    public async Task Logbook_entry_goes_into_a_copy_and_the_original_is_untouched()
    {
        var logbook = Path.Combine(_out, "logbook.txt");
        File.WriteAllText(logbook, "date: 2024-03-14\nsample: Au(111) A7\nstep: sputter; energy = 1.0 keV; time = 15 min\nstep: anneal; temperature = 720 K\n");
        var before = SHA256.HashData(File.ReadAllBytes(Synthetic));
        var copy = Path.Combine(_out, "annotated.h5");
        var result = await _cli.RunAsync("stm", "logbook", logbook, Synthetic, "-o", copy);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(Synthetic)));

        var info = await _cli.RunAsync("stm", "info", copy);
        Assert.Contains("Logbook.Sample = Au(111) A7", info.Stdout, StringComparison.Ordinal);
        Assert.Contains("Logbook.Step1.energy = 1 keV", info.Stdout, StringComparison.Ordinal);
        Assert.Contains("Logbook.Step2.temperature = 720 K", info.Stdout, StringComparison.Ordinal);
        Assert.Contains("Scanner.X_Calibration = 20 nm/V", info.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Errors_are_one_line_with_their_exit_codes()
    {
        var missing = await _cli.RunAsync("stm", "info", Path.Combine(_out, "nothing.h5"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal($"idrp: {Path.Combine(_out, "nothing.h5")}: no such file", missing.Stderr.Trim());

        var channels = await _cli.RunAsync("stm", "frames", Synthetic, "--out", _out, "--channels", "xyz");
        Assert.Equal(2, channels.ExitCode);
        Assert.Single(channels.Stderr.Trim().Split('\n'));

        var fft = await _cli.RunAsync("stm", "frames", Synthetic, "--out", _out, "--fft", "x,bogus");
        Assert.Equal(2, fft.ExitCode);
        Assert.Contains("unknown FFT filter item 'bogus'", fft.Stderr, StringComparison.Ordinal);

        var logbook = Path.Combine(_out, "bad.txt");
        File.WriteAllText(logbook, "date: 2024-03-14\nsample: A\nstep: anneal; temperature = 7,5 K\n");
        var bad = await _cli.RunAsync("stm", "logbook", logbook, Synthetic, "-o", Path.Combine(_out, "x.h5"));
        Assert.Equal(1, bad.ExitCode);
        Assert.StartsWith("idrp: logbook line 3:", bad.Stderr.Trim(), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_out, "x.h5")));

        var notFast = await _cli.RunAsync("stm", "frames", Sample("proespm-py3", "SI_250605_012.h5"), "--out", _out);
        Assert.Equal(1, notFast.ExitCode);
        Assert.Single(notFast.Stderr.Trim().Split('\n'));
    }

    private static (int Width, int Height) PngSize(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(0x89, bytes[0]);
        return ((int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(16)), (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(20)));
    }

    private static string Run(string tool, params string[] arguments)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{tool} exited with {process.ExitCode}: {stderr.Result}");
        return stdout.Result;
    }

    private static string Sample(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "data", "stm");
            if (Directory.Exists(candidate))
            {
                return Path.Combine([candidate, .. parts]);
            }
        }

        throw new InvalidOperationException("STM samples not found: no 'shared/data/stm' above the test binaries.");
    }
}
