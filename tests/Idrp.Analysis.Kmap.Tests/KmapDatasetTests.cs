using Idrp.Analysis.Kmap.Input;
using Idrp.Analysis.Kmap.Synthetic;

namespace Idrp.Analysis.Kmap.Tests;

public sealed class KmapDatasetTests
{
    private static readonly string PythonMaster = Path.Combine(AppContext.BaseDirectory, "References", "python_kmap", "kmap_master.h5");

    // Read back with h5py from the files in References/python_kmap: sum of each frame, per entry, per point.
    private static readonly long[][] PythonFrameSums =
    [
        [260434, 261128, 85577, 86236],
        [296608, 296679, 202674, 204177],
        [203974, 202934, 296663, 297580],
    ];

    [Fact]
    public void Reads_a_merged_master_written_by_h5py()
    {
        var dataset = KmapDataset.Open(PythonMaster);

        Assert.Equal(KmapLayout.XsocsMerged, dataset.Layout);
        Assert.Equal(["kmap_00_1.1", "kmap_01_2.1", "kmap_02_3.1"], dataset.Entries.Select(e => e.Name));
        Assert.Equal(4, dataset.PointCount);
        Assert.Equal((516, 516), dataset.FrameShape);
        var truth = SyntheticKmapTruth.Create(new SyntheticKmapOptions { Nx = 2, Ny = 2, Angles = 3 });
        for (var e = 0; e < 3; e++)
        {
            var g = dataset.Entries[e].Geometry;
            Assert.Equal(truth.EtaDegrees[e], g.Eta, 1e-12);
            Assert.Equal(2 * truth.ThetaBraggDegrees, g.Delta, 1e-12);
            Assert.Equal(8000.0, g.BeamEnergy);
            Assert.Equal((250.3, 262.7), g.CenterChannel);
            Assert.Equal((318.0, 318.0), g.ChannelsPerDegree);
        }

        // adcY of point 1 in the three entries: 10.098292822759541, 10.102095435146373, 10.099504470356301
        Assert.Equal((10.098292822759541 + 10.102095435146373 + 10.099504470356301) / 3, dataset.SampleX[1], 1e-12);
        Assert.Equal(100397.41293621027, dataset.Entries[0].Monitor![1], 1e-9);
    }

    [Fact]
    public void Decodes_h5py_shuffle_and_deflate_frames_exactly()
    {
        var dataset = KmapDataset.Open(PythonMaster);
        using var reader = dataset.OpenFrames();
        var frame = new ushort[reader.FrameLength];

        for (var e = 0; e < 3; e++)
        {
            for (var k = 0; k < 4; k++)
            {
                reader.ReadFrame(e, k, frame);
                long sum = 0;
                foreach (var v in frame)
                {
                    sum += v;
                }

                Assert.Equal(PythonFrameSums[e][k], sum);
            }
        }
    }

    [Fact]
    public void Csharp_generator_writes_the_python_layout_with_the_same_expected_counts()
    {
        using var dir = new TempDirectory();
        var truth = SyntheticKmap.Generate(dir.Path, new SyntheticKmapOptions { Nx = 2, Ny = 2, Angles = 3 }, TestContext.Current.CancellationToken);
        var mine = KmapDataset.Open(dir.File(SyntheticKmap.MasterFileName));
        var python = KmapDataset.Open(PythonMaster);

        Assert.Equal(python.Entries.Select(e => e.Name), mine.Entries.Select(e => e.Name));
        for (var e = 0; e < 3; e++)
        {
            var (g, p) = (mine.Entries[e].Geometry, python.Entries[e].Geometry);
            Assert.Equal(p.Eta, g.Eta, 1e-12); // numpy and .NET round arcsin/degrees differently in the last bit
            Assert.Equal(p.Delta, g.Delta, 1e-12);
            Assert.Equal(p with { Eta = g.Eta, Delta = g.Delta }, g);
        }
        Assert.True(File.Exists(dir.File(SyntheticKmap.GroundTruthFileName)));
        using var reader = mine.OpenFrames();
        var frame = new ushort[reader.FrameLength];
        for (var e = 0; e < 3; e++)
        {
            for (var k = 0; k < 4; k++)
            {
                reader.ReadFrame(e, k, frame);
                long sum = 0;
                foreach (var v in frame)
                {
                    sum += v;
                }

                // Same expectation, independent Poisson noise: agree within 5 standard deviations.
                var expected = PythonFrameSums[e][k];
                Assert.InRange(sum, expected - (5 * Math.Sqrt(2 * expected)), expected + (5 * Math.Sqrt(2 * expected)));
            }
        }

        Assert.Equal(10.0 + 0.1, mine.SampleX[1], 0.01);
        Assert.Equal(20.0 + 0.1, mine.SampleY[2], 0.01);
        Assert.Equal(4, truth.PointCount);
    }

    [Fact]
    public void Truncated_entry_file_gives_an_error_naming_the_dataset()
    {
        using var dir = new TempDirectory();
        CopyPythonSet(dir);
        var entry = dir.File("kmap_01_2.1.h5");
        var bytes = File.ReadAllBytes(entry);
        File.WriteAllBytes(entry, bytes[..(bytes.Length / 2)]);

        var ex = Assert.Throws<KmapException>(() => ReadAll(dir.File("kmap_master.h5")));

        // h5py writes the metadata after the chunks, so the first object lost is an entry dataset, named in the error.
        Assert.Contains("kmap_01_2.1", ex.Message);
        Assert.NotNull(ex.DatasetPath);
        Assert.StartsWith("kmap_01_2.1/", ex.DatasetPath!.TrimStart('/'));
    }

    [Fact]
    public void Corrupt_chunk_gives_an_error_naming_the_dataset()
    {
        using var dir = new TempDirectory();
        CopyPythonSet(dir);
        var entry = dir.File("kmap_02_3.1.h5");
        var bytes = File.ReadAllBytes(entry);

        // Overwrite the middle of the file (compressed chunk data) with garbage.
        var random = new Random(7);
        for (var i = bytes.Length / 2; i < (bytes.Length / 2) + 2000; i++)
        {
            bytes[i] = (byte)random.Next(256);
        }

        File.WriteAllBytes(entry, bytes);

        var ex = Assert.Throws<KmapException>(() => ReadAll(dir.File("kmap_master.h5")));

        Assert.Equal("kmap_02_3.1/measurement/image/data", ex.DatasetPath);
    }

    [Fact]
    public void Corrupt_chunk_met_by_a_conversion_worker_keeps_the_dataset_name()
    {
        using var dir = new TempDirectory();
        CopyPythonSet(dir);
        var entry = dir.File("kmap_01_2.1.h5");
        var bytes = File.ReadAllBytes(entry);
        Array.Fill(bytes, (byte)0x55, bytes.Length / 3, 3000);
        File.WriteAllBytes(entry, bytes);
        var dataset = KmapDataset.Open(dir.File("kmap_master.h5"));

        var ex = Assert.Throws<KmapException>(() =>
            Idrp.Analysis.Kmap.QSpace.QSpaceConverter.Convert(dataset, new Idrp.Analysis.Kmap.QSpace.QSpaceOptions(), new Idrp.Analysis.Kmap.QSpace.InMemoryQSpace(), cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal("kmap_01_2.1/measurement/image/data", ex.DatasetPath);
        Assert.Equal(dir.File("kmap_master.h5"), ex.FilePath);
    }

    [Fact]
    public void Missing_file_and_non_hdf5_file_give_clear_errors()
    {
        using var dir = new TempDirectory();
        var missing = Assert.Throws<KmapException>(() => KmapDataset.Open(dir.File("nope.h5")));
        Assert.Contains("not found", missing.Message);

        File.WriteAllText(dir.File("text.h5"), "not hdf5");
        var garbage = Assert.Throws<KmapException>(() => KmapDataset.Open(dir.File("text.h5")));
        Assert.Equal(dir.File("text.h5"), garbage.FilePath);
    }

    [Fact]
    public void Reads_the_geometry_of_a_real_id01_bliss_file()
    {
        // Copied from shared/data/kmap/id01_real by the csproj; missing means a broken checkout and fails here.
        var path = Path.Combine(AppContext.BaseDirectory, "References", "id01_bliss", "PTO_STO_SL_0001.h5");

        var dataset = KmapDataset.Open(path);

        // Values read with h5py from scan 20.1: "ascan eta 15.24 19.24 50 1", Maxipix mpx1x4.
        Assert.Equal(KmapLayout.Id01Bliss, dataset.Layout);
        Assert.Equal(51, dataset.Entries.Count);
        Assert.Equal(1, dataset.PointCount);
        var first = dataset.Entries[0].Geometry;
        Assert.Equal(15.24221648, first.Eta, 1e-8);
        Assert.Equal(19.24221648, dataset.Entries[50].Geometry.Eta, 1e-8);
        Assert.Equal(44.997125, first.Phi, 1e-9);
        Assert.Equal(37.046, first.Delta, 1e-9);
        Assert.Equal(0.0, first.Nu);
        Assert.Equal(9999.99814245333, first.BeamEnergy, 1e-6);
        Assert.Equal(185.6041574101653, first.CenterChannel.Dim0, 1e-9);
        Assert.Equal(172.91090689366675, first.CenterChannel.Dim1, 1e-9);
        // distance 0.566851030861492 m, pixel 55 um: 1 / degrees(atan(55e-6 / 0.566851))
        Assert.Equal(1.0 / (Math.Atan(5.5e-5 / 0.566851030861492) * 180 / Math.PI), first.ChannelsPerDegree.Dim0, 1e-9);
        Assert.Equal((516, 516), first.DetectorShape);
        Assert.Equal(52.25, dataset.SampleX[0], 1e-9);
        Assert.Equal(54.8899994, dataset.SampleY[0], 1e-9);

        // The frames are a virtual dataset over lima files that are not shipped: like h5py (is_virtual, max 0),
        // the PureHDF fallback path reads the fill value.
        Assert.Null(dataset.Entries[25].Chunks);
        Assert.Equal(FrameElementType.Int32, dataset.ElementType);
        using var reader = dataset.OpenFrames();
        var frame = new int[reader.FrameLength];
        frame[0] = 7;
        reader.ReadFrame(25, 0, frame);
        Assert.All(frame, v => Assert.Equal(0, v));
    }

    private static void CopyPythonSet(TempDirectory dir)
    {
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(PythonMaster)!, "*.h5"))
        {
            File.Copy(file, dir.File(Path.GetFileName(file)));
        }
    }

    private static void ReadAll(string master)
    {
        var dataset = KmapDataset.Open(master);
        using var reader = dataset.OpenFrames();
        var frame = new ushort[reader.FrameLength];
        for (var e = 0; e < dataset.Entries.Count; e++)
        {
            for (var k = 0; k < dataset.PointCount; k++)
            {
                reader.ReadFrame(e, k, frame);
            }
        }
    }
}
