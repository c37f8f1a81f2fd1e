using BitMiracle.LibTiff.Classic;

namespace Idrp.Imaging.Tests;

public sealed class ImagingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("idrp-imaging-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string[] RealImages()
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "RealSem");
        var files = Directory.Exists(dir) ? Directory.GetFiles(dir, "*.jpg") : [];
        Assert.True(files.Length == 2, $"the two real SEM images of shared/data/sem/Nanowires are copied to {dir} by the build");
        return files;
    }

    /// <summary>Writes a grayscale TIFF with LibTiff: 8 or 16 bits, little- or big-endian, min-is-black or min-is-white.</summary>
    private string WriteTiff(string name, int width, int height, int bits, Func<int, int, int> value, bool bigEndian = false, bool minIsWhite = false)
    {
        var path = Path.Combine(_dir, name);
        using (var tiff = Tiff.Open(path, bigEndian ? "wb" : "wl"))
        {
            tiff.SetField(TiffTag.IMAGEWIDTH, width);
            tiff.SetField(TiffTag.IMAGELENGTH, height);
            tiff.SetField(TiffTag.BITSPERSAMPLE, bits);
            tiff.SetField(TiffTag.SAMPLESPERPIXEL, 1);
            tiff.SetField(TiffTag.PHOTOMETRIC, minIsWhite ? Photometric.MINISWHITE : Photometric.MINISBLACK);
            tiff.SetField(TiffTag.PLANARCONFIG, PlanarConfig.CONTIG);
            tiff.SetField(TiffTag.ROWSPERSTRIP, 16);
            tiff.SetField(TiffTag.COMPRESSION, Compression.NONE);
            var line = new byte[width * bits / 8];
            for (var y = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    if (bits == 8)
                    {
                        line[x] = (byte)value(x, y);
                    }
                    else
                    {
                        BitConverter.TryWriteBytes(line.AsSpan(2 * x), (ushort)value(x, y));
                    }
                }

                Assert.True(tiff.WriteScanline(line, y));
            }
        }

        return path;
    }

    [Fact]
    public void Real_sem_jpegs_decode_at_full_and_reduced_size()
    {
        foreach (var file in RealImages())
        {
            var full = ImageDecoder.ReadGray(file);
            Assert.Equal((1024, 768), (full.Width, full.Height));
            Assert.All(full.Pixels, v => Assert.InRange(v, 0f, 1f));

            // The Zeiss info bar: some rows near the bottom are almost white, none in the middle.
            Assert.Contains(Enumerable.Range(600, 168), y => full.Row(y).ToArray().Average() > 0.9);
            Assert.DoesNotContain(Enumerable.Range(200, 200), y => full.Row(y).ToArray().Average() > 0.9);

            var reduced = ImageDecoder.ReadGray(file, minLongestSide: 300);
            Assert.Equal((384, 288), (reduced.Width, reduced.Height)); // 3/8, the smallest JPEG scale ≥ 300
            Assert.Equal((1024, 768), (reduced.SourceWidth, reduced.SourceHeight));
            Assert.Equal(full.Pixels.Average(), reduced.Pixels.Average(), 2);
        }
    }

    [Theory]
    [InlineData(8, false, false)]
    [InlineData(16, false, false)]
    [InlineData(16, true, false)]
    [InlineData(16, false, true)]
    public void Grayscale_tiffs_decode_to_exact_intensities(int bits, bool bigEndian, bool minIsWhite)
    {
        var max = (1 << bits) - 1;
        int Value(int x, int y) => ((x * 37) + (y * 1013)) % (max + 1);
        var path = WriteTiff($"g{bits}{bigEndian}{minIsWhite}.tif", 61, 43, bits, Value, bigEndian, minIsWhite);
        var image = ImageDecoder.ReadGray(path);
        Assert.Equal((61, 43), (image.Width, image.Height));
        for (var y = 0; y < 43; y++)
        {
            for (var x = 0; x < 61; x++)
            {
                var expected = (float)Value(x, y) / max;
                Assert.Equal(minIsWhite ? 1 - expected : expected, image[x, y], 5);
            }
        }

        var rgb = ImageDecoder.ReadRgb(path);
        var v = Value(10, 20) * 255.0 / max;
        Assert.Equal(Math.Round(minIsWhite ? 255 - v : v), rgb.Pixels[((20 * 61) + 10) * 3], 0);
    }

    [Fact]
    public void Rgb_tiff_decodes_through_the_rgba_path()
    {
        var path = Path.Combine(_dir, "rgb.tif");
        using (var tiff = Tiff.Open(path, "w"))
        {
            tiff.SetField(TiffTag.IMAGEWIDTH, 5);
            tiff.SetField(TiffTag.IMAGELENGTH, 3);
            tiff.SetField(TiffTag.BITSPERSAMPLE, 8);
            tiff.SetField(TiffTag.SAMPLESPERPIXEL, 3);
            tiff.SetField(TiffTag.PHOTOMETRIC, Photometric.RGB);
            tiff.SetField(TiffTag.PLANARCONFIG, PlanarConfig.CONTIG);
            tiff.SetField(TiffTag.ROWSPERSTRIP, 3);
            for (var y = 0; y < 3; y++)
            {
                var line = new byte[15];
                for (var x = 0; x < 5; x++)
                {
                    line[3 * x] = (byte)(x * 50);
                    line[(3 * x) + 1] = (byte)(y * 100);
                    line[(3 * x) + 2] = 7;
                }

                tiff.WriteScanline(line, y);
            }
        }

        var rgb = ImageDecoder.ReadRgb(path);
        Assert.Equal((5, 3), (rgb.Width, rgb.Height));
        var i = ((2 * 5) + 4) * 3;
        Assert.Equal([200, 200, 7], rgb.Pixels[i..(i + 3)]);
        Assert.Equal(((0.299 * 200) + (0.587 * 200) + (0.114 * 7)) / 255, ImageDecoder.ReadGray(path)[4, 2], 4);
    }

    [Fact]
    public void Area_average_resize_keeps_means_and_weights_partial_pixels()
    {
        // 4x2 -> 2x1: plain 2x2 block means.
        var image = new GrayImage(4, 2, [0, 1, 2, 3, 4, 5, 6, 7]);
        var half = ImageOps.Resize(image, 2, 1);
        Assert.Equal([2.5f, 4.5f], half.Pixels);

        // 3 -> 2: each output covers 1.5 source pixels.
        var row = ImageOps.Resize(new GrayImage(3, 1, [0, 3, 6]), 2, 1);
        Assert.Equal((0 + (0.5 * 3)) / 1.5, row.Pixels[0], 5);
        Assert.Equal(((0.5 * 3) + 6) / 1.5, row.Pixels[1], 5);

        // Large image (parallel bands): the mean survives an odd factor.
        var random = new Random(4);
        var big = new GrayImage(733, 439);
        for (var i = 0; i < big.Pixels.Length; i++)
        {
            big.Pixels[i] = (float)random.NextDouble();
        }

        var small = ImageOps.Resize(big, 101, 67);
        Assert.Equal(big.Pixels.Average(), small.Pixels.Average(), 3);
    }

    [Fact]
    public void Crop_copies_the_region()
    {
        var image = new GrayImage(4, 3, [.. Enumerable.Range(0, 12).Select(i => (float)i)]);
        var crop = ImageOps.Crop(image, 1, 1, 2, 2);
        Assert.Equal([5f, 6f, 9f, 10f], crop.Pixels);
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageOps.Crop(image, 3, 0, 2, 1));
    }

    [Fact]
    public void Thumbnails_of_jpeg_and_16_bit_tiff_are_pngs_with_the_longest_side_asked()
    {
        foreach (var file in RealImages())
        {
            using var png = new MemoryStream();
            ImageEncoder.WriteThumbnailPng(file, png, 200);
            var bytes = png.ToArray();
            Assert.Equal(ImageFormat.Png, ImageFormats.Detect(bytes));
            var thumb = ImageDecoder.DecodeGray(bytes, "thumb");
            Assert.Equal((200, 150), (thumb.Width, thumb.Height));
            Assert.Equal(ImageDecoder.ReadGray(file).Pixels.Average(), thumb.Pixels.Average(), 1);
        }

        var tiff = WriteTiff("wide.tif", 300, 100, 16, (x, _) => x * 200);
        using var tiffPng = new MemoryStream();
        ImageEncoder.WriteThumbnailPng(tiff, tiffPng, 60);
        var small = ImageDecoder.DecodeGray(tiffPng.ToArray(), "thumb");
        Assert.Equal((60, 20), (small.Width, small.Height));

        // A left-to-right ramp stays a ramp: the first column averages x = 0..4.
        Assert.Equal(2 * 200 / 65535.0, small[0, 10], 2);
        Assert.True(small[59, 10] > small[30, 10]);
    }

    [Fact]
    public void Damaged_files_raise_an_error_that_names_them()
    {
        var garbage = Path.Combine(_dir, "garbage.jpg");
        File.WriteAllBytes(garbage, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.ReadGray(garbage));
        Assert.Contains("garbage.jpg", e.Message, StringComparison.Ordinal);

        var empty = Path.Combine(_dir, "empty.png");
        File.WriteAllBytes(empty, []);
        Assert.Contains("empty", Assert.Throws<ImageDecodeException>(() => ImageDecoder.ReadGray(empty)).Message, StringComparison.Ordinal);

        var truncated = Path.Combine(_dir, "truncated.jpg");
        var real = File.ReadAllBytes(RealImages()[0]);
        File.WriteAllBytes(truncated, real[..(real.Length / 3)]);
        Assert.Contains("truncated.jpg", Assert.Throws<ImageDecodeException>(() => ImageDecoder.ReadGray(truncated)).Message, StringComparison.Ordinal);

        var badTiff = Path.Combine(_dir, "bad.tif");
        File.WriteAllBytes(badTiff, [(byte)'I', (byte)'I', 42, 0, 255, 255, 255, 127, 0, 0, 0, 0]);
        Assert.Contains("bad.tif", Assert.Throws<ImageDecodeException>(() => ImageDecoder.ReadGray(badTiff)).Message, StringComparison.Ordinal);
    }
}
