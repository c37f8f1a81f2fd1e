using Idrp.Analysis.Kmap.Hdf5;
using Idrp.Analysis.Kmap.Input;
using Idrp.Analysis.Kmap.Synthetic;
using PureHDF;
using PureHDF.Selections;

namespace Idrp.Analysis.Kmap.Tests;

public sealed class ChunkedFrameDecoderTests
{
    [Theory]
    [InlineData(2, 129, 0)]
    [InlineData(2, 733, 5)]
    [InlineData(2, 15, 3)]
    [InlineData(4, 439, 7)]
    public void Vector_unshuffle_agrees_with_its_scalar_twin(int elementSize, int count, int start)
    {
        var random = new Random(count);
        var shuffled = new byte[count * elementSize];
        random.NextBytes(shuffled);
        var n = count - start;
        var vector = new byte[n * elementSize];
        var scalar = new byte[n * elementSize];

        ChunkedFrameDecoder.Unshuffle(shuffled, count, start, elementSize, vector);
        ChunkedFrameDecoder.UnshuffleScalar(shuffled, count, start, elementSize, scalar);

        Assert.Equal(scalar, vector);
        // Byte j of element e comes from plane j.
        Assert.Equal(shuffled[start], scalar[0]);
        Assert.Equal(shuffled[count + start], scalar[1]);
    }

    [Fact]
    public void Fast_path_reads_the_same_frames_as_purehdf_for_btree_and_fixed_array_indexes()
    {
        using var dir = new TempDirectory();
        SyntheticKmap.Generate(dir.Path, new SyntheticKmapOptions { Nx = 2, Ny = 2, Angles = 2 }, TestContext.Current.CancellationToken);
        var masters = new[]
        {
            Path.Combine(AppContext.BaseDirectory, "References", "python_kmap", "kmap_master.h5"), // h5py: version-1 B-tree
            dir.File(SyntheticKmap.MasterFileName), // PureHDF writer: fixed array, paged when large
        };

        foreach (var master in masters)
        {
            var dataset = KmapDataset.Open(master);
            Assert.All(dataset.Entries, e => Assert.NotNull(e.Chunks));
            using var reader = dataset.OpenFrames();
            using var file = H5File.OpenRead(master);
            var fast = new ushort[reader.FrameLength];
            var reference = new ushort[reader.FrameLength];
            for (var e = 0; e < dataset.Entries.Count; e++)
            {
                var image = file.Dataset(dataset.Entries[e].ImageDataset);
                for (var k = 0; k < dataset.PointCount; k++)
                {
                    reader.ReadFrame(e, k, fast);
                    image.Read(reference, fileSelection: new HyperslabSelection(3, [(ulong)k, 0, 0], [1, 516, 516]));
                    Assert.Equal(reference, fast);
                }
            }
        }
    }

    [Fact]
    public void Paged_fixed_array_index_covers_every_chunk()
    {
        // 9 points x 16 chunks = 144 chunks: not paged; the benchmark set (14 400 chunks per entry) is.
        // Build a paged one here: 130 frames x 16 chunks = 2080 > 2048 entries per page.
        using var dir = new TempDirectory();
        SyntheticKmap.Generate(dir.Path, new SyntheticKmapOptions { Nx = 13, Ny = 10, Angles = 1, CompressionLevel = 1, Window = 20 }, TestContext.Current.CancellationToken);
        var dataset = KmapDataset.Open(dir.File(SyntheticKmap.MasterFileName));
        var index = dataset.Entries[0].Chunks;

        Assert.NotNull(index);
        Assert.Equal(130 * 16, index!.Chunks.Length);
        Assert.All(index.Chunks, c => Assert.True(c.Size > 0 && c.Offset > 0));
        using var reader = dataset.OpenFrames();
        using var file = H5File.OpenRead(dir.File(SyntheticKmap.MasterFileName));
        var image = file.Dataset(dataset.Entries[0].ImageDataset);
        var fast = new ushort[reader.FrameLength];
        var reference = new ushort[reader.FrameLength];
        foreach (var k in new[] { 0, 127, 128, 129 })
        {
            reader.ReadFrame(0, k, fast);
            image.Read(reference, fileSelection: new HyperslabSelection(3, [(ulong)k, 0, 0], [1, 516, 516]));
            Assert.Equal(reference, fast);
        }
    }

    [Theory]
    [InlineData(129)]
    [InlineData(31)]
    [InlineData(97)]
    public void Vector_shuffled_row_binning_agrees_with_its_scalar_twin(int length)
    {
        var random = new Random(length);
        var lo = new byte[length];
        var hi = new byte[length];
        var table = new int[length];
        for (var i = 0; i < length; i++)
        {
            // Mostly zeros, as detector frames are; some values above 255 so the high byte matters.
            var value = random.NextDouble() < 0.3 ? random.Next(1, 70000) % 65536 : 0;
            (lo[i], hi[i]) = ((byte)value, (byte)(value >> 8));
            table[i] = random.NextDouble() < 0.1 ? -1 : random.Next(0, 50);
        }

        var vector = new float[50];
        var scalar = new float[50];
        ChunkedFrameDecoder.BinShuffledRow(lo, hi, table, vector, 0.5f);
        ChunkedFrameDecoder.BinShuffledRowScalar(lo, hi, table, scalar, 0.5f);

        Assert.Equal(scalar, vector);
        Assert.True(scalar.Sum() > 0);
    }

    [Fact]
    public void Binning_straight_from_the_chunks_equals_reading_the_frame_then_binning_it()
    {
        using var dir = new TempDirectory();
        SyntheticKmap.Generate(dir.Path, new SyntheticKmapOptions { Nx = 2, Ny = 2, Angles = 2 }, TestContext.Current.CancellationToken);
        var masters = new[]
        {
            Path.Combine(AppContext.BaseDirectory, "References", "python_kmap", "kmap_master.h5"), // h5py: B-tree, shuffle + deflate
            dir.File(SyntheticKmap.MasterFileName), // PureHDF writer: fixed array
        };

        foreach (var master in masters)
        {
            var dataset = KmapDataset.Open(master);
            using var reader = dataset.OpenFrames();
            var frame = new ushort[reader.FrameLength];
            var random = new Random(3);
            var table = new int[reader.FrameLength];
            for (var p = 0; p < table.Length; p++)
            {
                // Masked pixels (-1) and many pixels per bin, as a real look-up table has.
                table[p] = random.NextDouble() < 0.05 ? -1 : random.Next(0, 997);
            }

            for (var e = 0; e < dataset.Entries.Count; e++)
            {
                for (var k = 0; k < dataset.PointCount; k++)
                {
                    var fused = new float[997];
                    var reference = new float[997];
                    Assert.True(reader.TryBinFrame(e, k, table, fused, 1.5f));
                    reader.ReadFrame(e, k, frame);
                    Idrp.Analysis.Kmap.QSpace.QSpaceConverter.Bin<ushort>(frame, table, reference, 1.5f);

                    Assert.Equal(reference, fused);
                    Assert.True(reference.Sum() > 0);
                }
            }
        }
    }
}
