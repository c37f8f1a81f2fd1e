using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Idrp.Analysis.Kmap.Synthetic;
using PureHDF;

namespace Idrp.Cli.Tests;

/// <summary>
/// A small synthetic KMAP (3 x 2 points x 21 rocking angles, full 516 x 516 detector, Poisson noise), generated once
/// for the class, and the h5py-written 2 x 2 x 3 reference set of the library's tests for damaged-file cases.
/// </summary>
public sealed class KmapSetFixture : IDisposable
{
    public KmapSetFixture()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("idrp-kmap-cli-").FullName;
        Truth = SyntheticKmap.Generate(Path.Combine(Directory, "set"), new SyntheticKmapOptions { Nx = 3, Ny = 2, Angles = 21 }, TestContext.Current.CancellationToken);
        Master = Path.Combine(Directory, "set", SyntheticKmap.MasterFileName);
    }

    public string Directory { get; }

    public string Master { get; }

    public SyntheticKmapTruth Truth { get; }

    /// <summary>A fresh copy of the h5py-written reference set (kmap_master.h5 + 3 entry files), to damage.</summary>
    public string CopyPythonSet(string name)
    {
        var target = Path.Combine(Directory, name);
        System.IO.Directory.CreateDirectory(target);
        foreach (var file in System.IO.Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "References", "python_kmap"), "*.h5"))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)), overwrite: true);
        }

        return Path.Combine(target, "kmap_master.h5");
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Only a temp folder left behind.
        }
    }
}

/// <summary><c>idrp kmap info | convert | fit | maps</c> run as a separate process on real files.</summary>
public sealed class KmapCliTests(KmapSetFixture set) : IClassFixture<KmapSetFixture>
{
    private static readonly string[] RequiredColumns =
        ["point_index", "sample_x_um", "sample_y_um", "qx", "qy", "qz", "q_norm", "strain", "tilt_x_deg", "tilt_y_deg", "fit_status"];

    private string Out(string name) => Path.Combine(set.Directory, name);

    private static double Cell(string[] header, string[] row, string column) =>
        double.Parse(row[Array.IndexOf(header, column)], CultureInfo.InvariantCulture);

    [Fact]
    public async Task Convert_then_fit_writes_one_csv_row_per_point_with_the_true_strain_and_tilts()
    {
        using var cli = new Cli();
        var qspace = Out("convert-fit.h5");
        var csv = Out("convert-fit.csv");

        var convert = await cli.RunAsync("kmap", "convert", set.Master, "-o", qspace, "--median");
        var fit = await cli.RunAsync("kmap", "fit", qspace, "-o", csv, "--reference", "d0:" + set.Truth.D0.ToString("R", CultureInfo.InvariantCulture));

        Assert.True(convert.ExitCode == 0, convert.ToString());
        Assert.Contains("6 scan points x 21 entries (126 frames", convert.Stdout);
        Assert.True(fit.ExitCode == 0, fit.ToString());
        Assert.Contains("6 scan points", fit.Stdout);
        Assert.Contains("6 ok, 0 not", fit.Stdout);
        var lines = File.ReadAllLines(csv);
        var header = lines[0].Split(',');
        Assert.All(RequiredColumns, c => Assert.Contains(c, header));
        Assert.Equal(7, lines.Length);
        var seen = new HashSet<int>();
        foreach (var row in lines.Skip(1).Select(l => l.Split(',')))
        {
            var k = (int)Cell(header, row, "point_index");
            seen.Add(k);
            Assert.Equal("ok", row[Array.IndexOf(header, "fit_status")]);
            Assert.Equal(set.Truth.Strain[k], Cell(header, row, "strain"), 1e-5);
            Assert.Equal(set.Truth.TiltXDegrees[k], Cell(header, row, "tilt_x_deg"), 1e-3);
            Assert.Equal(set.Truth.TiltYDegrees[k], Cell(header, row, "tilt_y_deg"), 1e-3);
            var (qx, qy, qz) = (Cell(header, row, "qx"), Cell(header, row, "qy"), Cell(header, row, "qz"));
            Assert.Equal(Math.Sqrt((qx * qx) + (qy * qy) + (qz * qz)), Cell(header, row, "q_norm"), 1e-12);
        }

        Assert.Equal(6, seen.Count);
    }

    [Fact]
    public async Task Maps_writes_hdf5_csv_and_the_chosen_png_heatmaps()
    {
        using var cli = new Cli();
        var qspace = Out("maps.h5");
        var folder = Out("maps-out");
        Assert.Equal(0, (await cli.RunAsync("kmap", "convert", set.Master, "-o", qspace)).ExitCode);

        var maps = await cli.RunAsync("kmap", "maps", qspace, "--out", folder, "--maps", "strain,tilt_x,azimuth", "--reference", "point:2");

        Assert.True(maps.ExitCode == 0, maps.ToString());
        Assert.Contains("d at scan point 2", maps.Stdout);
        Assert.Equal(
            ["azimuth.png", "fit.csv", "maps.h5", "strain.png", "tilt_x.png"],
            Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray());
        foreach (var png in Directory.GetFiles(folder, "*.png"))
        {
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(png)[..4]);
        }

        using var h5 = H5File.OpenRead(Path.Combine(folder, "maps.h5"));
        var strain = h5.Dataset("maps/strain").Read<double[]>();
        Assert.Equal(6, strain.Length);
        // Point 2 is the reference: its strain is zero by definition.
        var points = h5.Dataset("maps/point_index").Read<int[]>();
        Assert.Equal(0.0, strain[Array.IndexOf(points, 2)], 1e-15);
    }

    [Fact]
    public async Task Info_describes_entries_geometry_points_and_the_default_grid()
    {
        using var cli = new Cli();

        var info = await cli.RunAsync("kmap", "info", set.Master);

        Assert.True(info.ExitCode == 0, info.ToString());
        Assert.Contains("X-SOCS merged, 21 entries", info.Stdout);
        Assert.Contains("516 x 516 uint16, 126 in all", info.Stdout);
        Assert.Contains("energy          8000 eV", info.Stdout);
        Assert.Contains("21 even steps of 0.04°", info.Stdout);
        Assert.Matches(@"default grid\s+\d+ x 32 x 64 bins", info.Stdout);
    }

    [Fact]
    public async Task Sample_roi_converts_only_the_points_inside_and_a_mask_removes_pixels()
    {
        using var cli = new Cli();
        var qspace = Out("roi.h5");
        // The first row of the raster (y = 20 µm, jittered by at most 0.01).
        var convert = await cli.RunAsync("kmap", "convert", set.Master, "-o", qspace, "--sample-roi", "0,100,19.9,20.05", "--shape", "16,32");
        Assert.True(convert.ExitCode == 0, convert.ToString());
        var all = await cli.RunAsync("kmap", "info", qspace);
        Assert.Contains("scan points     3,", all.Stdout);
        Assert.Matches(@"grid\s+\d+ x 16 x 32 bins", all.Stdout);
        var hitsAll = Hits(all.Stdout);

        // Mask the upper half of the detector (rows 0-257) as a NumPy bool array, the way silx' mask tool saves one.
        var npy = Out("half.npy");
        WriteNpyMask(npy, 516, 516, (r, _) => r < 258);
        var masked = Out("roi-masked.h5");
        var convertMasked = await cli.RunAsync("kmap", "convert", set.Master, "-o", masked, "--sample-roi", "0,100,19.9,20.05", "--shape", "16,32", "--mask", npy);
        Assert.True(convertMasked.ExitCode == 0, convertMasked.ToString());
        var hitsMasked = Hits((await cli.RunAsync("kmap", "info", masked)).Stdout);

        // Every pixel of every entry lands in the spanning grid: the mask removes exactly half of them.
        Assert.Equal(516.0 * 516 * 21, hitsAll);
        Assert.Equal(516.0 * 258 * 21, hitsMasked);
    }

    [Fact]
    public async Task Mask_of_another_shape_and_missing_input_fail_with_one_line_and_exit_1()
    {
        using var cli = new Cli();
        var npy = Out("small.npy");
        WriteNpyMask(npy, 10, 10, (_, _) => false);

        var wrongMask = await cli.RunAsync("kmap", "convert", set.Master, "-o", Out("never.h5"), "--mask", npy);
        var missing = await cli.RunAsync("kmap", "info", Out("nope.h5"));

        Assert.True(wrongMask.ExitCode == 1, wrongMask.ToString());
        Assert.Equal($"idrp: The mask is 10 x 10 pixels, the frames 516 x 516. (file '{npy}')", wrongMask.Stderr.Trim());
        Assert.True(missing.ExitCode == 1, missing.ToString());
        Assert.StartsWith("idrp: KMAP file not found.", missing.Stderr.Trim());
        Assert.Single(missing.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public async Task Truncated_entry_file_fails_with_one_line_naming_the_entry_dataset()
    {
        using var cli = new Cli();
        var master = set.CopyPythonSet("truncated");
        var entry = Path.Combine(Path.GetDirectoryName(master)!, "kmap_01_2.1.h5");
        var bytes = File.ReadAllBytes(entry);
        File.WriteAllBytes(entry, bytes[..(bytes.Length / 2)]);

        var result = await cli.RunAsync("kmap", "convert", master, "-o", Out("truncated.h5"));

        Assert.True(result.ExitCode == 1, result.ToString());
        var line = Assert.Single(result.Stderr.Trim().Split('\n'));
        Assert.StartsWith("idrp: ", line);
        Assert.Contains("dataset 'kmap_01_2.1/", line.Replace("'/kmap", "'kmap", StringComparison.Ordinal));
        Assert.Contains(master, line);
    }

    [Fact]
    public async Task Corrupt_chunk_fails_during_conversion_with_one_line_naming_the_frame_dataset()
    {
        using var cli = new Cli();
        var master = set.CopyPythonSet("corrupt");
        var entry = Path.Combine(Path.GetDirectoryName(master)!, "kmap_02_3.1.h5");
        var bytes = File.ReadAllBytes(entry);
        Array.Fill(bytes, (byte)0x55, bytes.Length / 2, 2000);
        File.WriteAllBytes(entry, bytes);

        var result = await cli.RunAsync("kmap", "convert", master, "-o", Out("corrupt.h5"), "--median");

        Assert.True(result.ExitCode == 1, result.ToString());
        var line = Assert.Single(result.Stderr.Trim().Split('\n'));
        Assert.Contains("dataset 'kmap_02_3.1/measurement/image/data'", line);
    }

    [Theory]
    [InlineData("--shape", "1,2,3,4", "--shape takes NX,NY,NZ or NY,NZ")]
    [InlineData("--sample-roi", "1,2,3", "--sample-roi takes X0,X1,Y0,Y1")]
    [InlineData("--q-roi", "0,1,0,1,1,0", "--q-roi: each upper bound must exceed its lower bound")]
    [InlineData("--normalize", "flux", "flux")]
    public async Task Malformed_convert_options_are_usage_errors(string option, string value, string message)
    {
        using var cli = new Cli();

        var result = await cli.RunAsync("kmap", "convert", set.Master, "-o", Out("never.h5"), option, value);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(message, result.Stderr);
        Assert.False(File.Exists(Out("never.h5")));
    }

    [Fact]
    public async Task Fit_of_a_kmap_master_instead_of_a_qspace_file_names_the_missing_dataset()
    {
        using var cli = new Cli();

        var result = await cli.RunAsync("kmap", "fit", set.Master, "-o", Out("never.csv"), "--reference", "region:0,100,0,100");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("dataset '/Data/", result.Stderr);
    }

    private static double Hits(string infoOutput)
    {
        var line = infoOutput.Split('\n').Single(l => l.StartsWith("hits", StringComparison.Ordinal));
        return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    /// <summary>A NumPy 1.0 .npy file of booleans (C order), written byte by byte from the format description.</summary>
    private static void WriteNpyMask(string path, int rows, int cols, Func<int, int, bool> masked)
    {
        var dict = $"{{'descr': '|b1', 'fortran_order': False, 'shape': ({rows}, {cols}), }}";
        var headerLength = dict.Length + 1;
        headerLength += (64 - ((10 + headerLength) % 64)) % 64;
        var header = dict.PadRight(headerLength - 1) + "\n";
        using var stream = File.Create(path);
        stream.Write([0x93, .. "NUMPY"u8, 1, 0]);
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)header.Length);
        stream.Write(length);
        stream.Write(Encoding.ASCII.GetBytes(header));
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < cols; c++)
            {
                stream.WriteByte(masked(r, c) ? (byte)1 : (byte)0);
            }
        }
    }
}
