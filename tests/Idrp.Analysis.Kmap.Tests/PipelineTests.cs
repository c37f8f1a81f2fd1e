using System.Globalization;
using Idrp.Analysis.Kmap.Fit;
using Idrp.Analysis.Kmap.Input;
using Idrp.Analysis.Kmap.Maps;
using Idrp.Analysis.Kmap.QSpace;
using PureHDF;

namespace Idrp.Analysis.Kmap.Tests;

public sealed class PipelineTests(SmallSetFixture set) : IClassFixture<SmallSetFixture>
{
    [Fact]
    public void Qspace_file_round_trips_the_in_memory_cubes()
    {
        using var dir = new TempDirectory();
        var options = new QSpaceOptions { SampleRoi = new SampleBox(10.05, 10.35, 19.9, 20.15) };
        var memory = new InMemoryQSpace();
        QSpaceConverter.Convert(set.Dataset, options, memory, cancellationToken: TestContext.Current.CancellationToken);
        using (var writer = new QSpaceH5Writer(dir.File("qspace.h5")))
        {
            QSpaceConverter.Convert(set.Dataset, options with { MaxDegreeOfParallelism = 2 }, writer, cancellationToken: TestContext.Current.CancellationToken);
            Assert.True(writer.WritesChunksDirectly);
        }

        using var file = QSpaceH5File.Open(dir.File("qspace.h5"));
        Assert.True(file.ReadsChunksDirectly);

        Assert.Equal(memory.Layout.PointIndices, file.Layout.PointIndices);
        Assert.Equal(memory.Layout.Grid, file.Layout.Grid);
        Assert.Equal(memory.Layout.Hits, file.Layout.Hits);
        Assert.Equal(memory.Layout.Centroids, file.Layout.Centroids);
        var a = new float[file.Layout.Grid.BinCount];
        var b = new float[a.Length];
        for (var s = 0; s < file.Layout.PointIndices.Length; s++)
        {
            memory.ReadCube(s, a);
            file.ReadCube(s, b);
            Assert.Equal(a, b);
        }
    }

    [Fact]
    public void Single_point_qspace_file_goes_through_purehdf_and_round_trips()
    {
        using var dir = new TempDirectory();
        var k = 5;
        var x = set.Dataset.SampleX[k];
        var y = set.Dataset.SampleY[k];
        var options = new QSpaceOptions { SampleRoi = new SampleBox(x - 1e-3, x + 1e-3, y - 1e-3, y + 1e-3) };
        var memory = new InMemoryQSpace();
        QSpaceConverter.Convert(set.Dataset, options, memory, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Single(memory.Layout.PointIndices);
        using (var writer = new QSpaceH5Writer(dir.File("qspace.h5")))
        {
            QSpaceConverter.Convert(set.Dataset, options, writer, cancellationToken: TestContext.Current.CancellationToken);
            Assert.False(writer.WritesChunksDirectly);
        }

        using var file = QSpaceH5File.Open(dir.File("qspace.h5"));
        var a = new float[file.Layout.Grid.BinCount];
        var b = new float[a.Length];
        memory.ReadCube(0, a);
        file.ReadCube(0, b);
        Assert.Equal(a, b);
        Assert.Contains(a, v => v > 0);
    }

    [Fact]
    public void Compressed_qspace_file_is_read_through_purehdf_with_the_same_cubes()
    {
        using var dir = new TempDirectory();
        var options = new QSpaceOptions { SampleRoi = new SampleBox(10.15, 10.25, 19.9, 20.15), OutputCompressionLevel = 1 };
        var memory = new InMemoryQSpace();
        QSpaceConverter.Convert(set.Dataset, options, memory, cancellationToken: TestContext.Current.CancellationToken);
        using (var writer = new QSpaceH5Writer(dir.File("qspace.h5"), options.OutputCompressionLevel))
        {
            QSpaceConverter.Convert(set.Dataset, options, writer, cancellationToken: TestContext.Current.CancellationToken);
            Assert.False(writer.WritesChunksDirectly);
        }

        using var file = QSpaceH5File.Open(dir.File("qspace.h5"));
        Assert.False(file.ReadsChunksDirectly);
        var a = new float[file.Layout.Grid.BinCount];
        var b = new float[a.Length];
        for (var s = 0; s < file.Layout.PointIndices.Length; s++)
        {
            memory.ReadCube(s, a);
            file.ReadCube(s, b);
            Assert.Equal(a, b);
        }
    }

    [Fact]
    public void Sample_roi_keeps_only_the_points_inside()
    {
        var cubes = new InMemoryQSpace();

        // x from 10.05 to 10.35 um keeps ix = 1..3; y up to 20.15 keeps iy = 0..1 (nominal 10 + 0.1 ix, 20 + 0.1 iy).
        QSpaceConverter.Convert(set.Dataset, new QSpaceOptions { SampleRoi = new SampleBox(10.05, 10.35, 19.9, 20.15) }, cubes, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal([1, 2, 3, 5, 6, 7], cubes.Layout.PointIndices);
    }

    [Fact]
    public void Counts_are_conserved_inside_the_grid_and_hits_count_every_pixel()
    {
        var cubes = new InMemoryQSpace();
        var result = QSpaceConverter.Convert(set.Dataset, new QSpaceOptions(), cubes, cancellationToken: TestContext.Current.CancellationToken);

        var frameLength = set.Dataset.FrameShape.Rows * set.Dataset.FrameShape.Columns;
        Assert.Equal((double)frameLength * set.Dataset.Entries.Count, cubes.Layout.Hits.Sum(h => (double)h));
        Assert.Equal(set.Dataset.PointCount * set.Dataset.Entries.Count, result.FramesRead);

        // Total counts of point 5 read directly from the frames equal the cube's total.
        using var reader = set.Dataset.OpenFrames();
        var frame = new ushort[frameLength];
        double expected = 0;
        for (var e = 0; e < set.Dataset.Entries.Count; e++)
        {
            reader.ReadFrame(e, 5, frame);
            foreach (var v in frame)
            {
                expected += v;
            }
        }

        var cube = new float[cubes.Layout.Grid.BinCount];
        cubes.ReadCube(5, cube);
        Assert.Equal(expected, cube.Sum(v => (double)v), expected * 1e-6);
    }

    [Fact]
    public void Monitor_normalisation_scales_each_frame_by_mean_monitor_over_its_monitor()
    {
        var plain = new InMemoryQSpace();
        var normalised = new InMemoryQSpace();
        var roi = new SampleBox(10.15, 10.25, 20.05, 20.15); // point 6 only
        QSpaceConverter.Convert(set.Dataset, new QSpaceOptions { SampleRoi = roi }, plain, cancellationToken: TestContext.Current.CancellationToken);
        QSpaceConverter.Convert(set.Dataset, new QSpaceOptions { SampleRoi = roi, NormaliseByMonitor = true }, normalised, cancellationToken: TestContext.Current.CancellationToken);

        var mean = set.Dataset.Entries.SelectMany(e => e.Monitor!).Average();
        using var reader = set.Dataset.OpenFrames();
        var frame = new ushort[reader.FrameLength];
        double expected = 0;
        for (var e = 0; e < set.Dataset.Entries.Count; e++)
        {
            reader.ReadFrame(e, 6, frame);
            expected += frame.Sum(v => (double)v) * (mean / set.Dataset.Entries[e].Monitor![6]);
        }

        var cube = new float[normalised.Layout.Grid.BinCount];
        normalised.ReadCube(0, cube);
        Assert.Equal(expected, cube.Sum(v => (double)v), expected * 1e-5);
        plain.ReadCube(0, cube);
        Assert.NotEqual(expected, cube.Sum(v => (double)v), expected * 1e-5);
    }

    [Fact]
    public void Mask_and_q_roi_remove_pixels_from_the_hits()
    {
        var frameLength = set.Dataset.FrameShape.Rows * set.Dataset.FrameShape.Columns;
        var mask = new bool[frameLength];
        for (var p = 0; p < 1000; p++)
        {
            mask[p] = true;
        }

        var masked = new InMemoryQSpace();
        QSpaceConverter.Convert(set.Dataset, new QSpaceOptions { Mask = mask, SampleRoi = new SampleBox(0, 10.05, 0, 20.05) }, masked, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal((double)(frameLength - 1000) * set.Dataset.Entries.Count, masked.Layout.Hits.Sum(h => (double)h));

        var q0 = set.Truth.Q0;
        var box = new QBox(-0.02, 0.02, -0.02, 0.02, q0 - 0.015, q0 + 0.015);
        var roi = new InMemoryQSpace();
        QSpaceConverter.Convert(set.Dataset, new QSpaceOptions { QRoi = box, AlignQxToRockingStep = false, GridShape = (20, 20, 20) }, roi, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(box, roi.Layout.Grid.Box);
        Assert.True(roi.Layout.Hits.Sum(h => (double)h) < (double)frameLength * set.Dataset.Entries.Count / 10);
    }

    [Fact]
    public void Cancellation_stops_the_conversion()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() =>
            QSpaceConverter.Convert(set.Dataset, new QSpaceOptions(), new InMemoryQSpace(), cancellationToken: cts.Token));
    }

    [Fact]
    public void Csv_hdf5_and_png_exports_carry_the_fitted_maps()
    {
        using var dir = new TempDirectory();
        var cubes = new InMemoryQSpace();
        QSpaceConverter.Convert(set.Dataset, new QSpaceOptions(), cubes, cancellationToken: TestContext.Current.CancellationToken);
        var fit = PeakFitter.Fit(cubes, new FitOptions(), cancellationToken: TestContext.Current.CancellationToken);
        var maps = KmapMaps.Compute(fit, new StrainReference.Point(0));

        MapExport.WriteCsv(maps, dir.File("fit.csv"));
        MapExport.WriteHdf5(maps, dir.File("maps.h5"));
        MapExport.WritePng(maps, MapKind.Strain, dir.File("strain.png"));

        var lines = File.ReadAllLines(dir.File("fit.csv"));
        Assert.Equal(MapExport.CsvHeader, lines[0]);
        Assert.Equal(set.Truth.PointCount + 1, lines.Length);
        var header = lines[0].Split(',');
        foreach (var column in new[] { "point_index", "sample_x_um", "sample_y_um", "qx", "qy", "qz", "q_norm", "strain", "tilt_x_deg", "tilt_y_deg", "fit_status" })
        {
            Assert.Contains(column, header);
        }

        var row = lines[1 + 7].Split(',');
        Assert.Equal(7, int.Parse(row[Array.IndexOf(header, "point_index")], CultureInfo.InvariantCulture));
        Assert.Equal(maps.Strain[7], double.Parse(row[Array.IndexOf(header, "strain")], CultureInfo.InvariantCulture));
        Assert.Equal(maps.TiltY[7], double.Parse(row[Array.IndexOf(header, "tilt_y_deg")], CultureInfo.InvariantCulture));
        Assert.Equal("ok", row[Array.IndexOf(header, "fit_status")]);
        Assert.Equal(0.0, maps.Strain[0], 1e-15); // the reference point itself

        using (var h5 = H5File.OpenRead(dir.File("maps.h5")))
        {
            Assert.Equal(maps.TiltX, h5.Dataset("maps/tilt_x").Read<double[]>());
            Assert.Equal(maps.D0, h5.Group("maps").Attribute("d0").Read<double>());
        }

        var png = File.ReadAllBytes(dir.File("strain.png"));
        Assert.True(png.Length > 5000);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
    }

    [Fact]
    public void Strain_reference_region_uses_the_mean_d_of_its_points()
    {
        var cubes = new InMemoryQSpace();
        QSpaceConverter.Convert(set.Dataset, new QSpaceOptions(), cubes, cancellationToken: TestContext.Current.CancellationToken);
        var fit = PeakFitter.Fit(cubes, new FitOptions(), cancellationToken: TestContext.Current.CancellationToken);

        var region = KmapMaps.Compute(fit, new StrainReference.Region(new SampleBox(9.9, 10.15, 19.9, 20.05)));
        var absolute = KmapMaps.Compute(fit, new StrainReference.Spacing(1.0));

        // Points 0 and 1 are inside: their mean strain relative to the region is zero.
        Assert.Equal((absolute.DSpacing[0] + absolute.DSpacing[1]) / 2, region.D0, 1e-12);
        Assert.Equal(0.0, (region.Strain[0] + region.Strain[1]) / 2, 1e-12);
        Assert.Throws<ArgumentException>(() => KmapMaps.Compute(fit, new StrainReference.Region(new SampleBox(100, 101, 100, 101))));
    }

    [Fact]
    public void Dataset_from_bliss_layout_is_not_confused_with_merged()
    {
        var python = KmapDataset.Open(Path.Combine(AppContext.BaseDirectory, "References", "python_kmap", "kmap_master.h5"));
        Assert.Equal(KmapLayout.XsocsMerged, python.Layout);
    }
}
