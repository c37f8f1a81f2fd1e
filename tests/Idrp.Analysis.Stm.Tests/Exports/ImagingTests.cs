using System.Buffers.Binary;
using System.IO.Compression;
using Idrp.Analysis.Stm.Export;
using Idrp.Analysis.Stm.Fast;
using Idrp.Analysis.Stm.Imaging;
using Idrp.Analysis.Stm.Processing;
using Idrp.Analysis.Stm.Tests.Support;

namespace Idrp.Analysis.Stm.Tests.Exports;

public sealed class ImagingTests
{
    // Expected limits are pyfastspm's own test expectations (tests/test_tools.py) on its real frames.
    [Theory]
    [InlineData("test_single_frame.npy", -68, 1002, 18, 334)]
    [InlineData("test_multi_frame.npy", -102, 1056, 12, 340)]
    public void Contrast_limits_match_pyfastspm(string file, int fullLow, int fullHigh, int keptLow, int keptHigh)
    {
        var data = Array.ConvertAll(NpyArray.Read(TestData.Path("pyfastspm_tests", file)).Values, v => (float)v);

        Assert.Equal(new ContrastLimits(fullLow, fullHigh), ContrastLimits.FullRange(data));
        Assert.Equal(new ContrastLimits(fullLow, fullHigh), ContrastLimits.Keep(data, 1.0));
        Assert.Equal(new ContrastLimits(keptLow, keptHigh), ContrastLimits.Keep(data, 0.95));
        Assert.Equal(new ContrastLimits(keptLow, keptHigh), ContrastLimits.Discard(data, 0.025, 0.025));
    }

    [Fact]
    public void Png_frame_decodes_to_the_colour_mapped_values_with_a_scale_bar()
    {
        using var fast = FastFile.Open(TestData.SyntheticMovie);
        var reader = fast.OpenMovie(FastChannels.UpForward);
        var frame = new float[reader.FrameSize];
        reader.ReadFrames(0, 1, frame);
        var options = new RenderOptions(ColorMap.Hot, ContrastLimits.FullRange(frame), Scale: 2, PixelSizeNm: fast.Metadata.WidthNm / reader.Width);
        var width = FrameRenderer.OutputWidth(reader.Width, options);
        var height = FrameRenderer.OutputHeight(reader.Height, options);
        var rgb = new byte[width * height * 3];
        var bar = FrameRenderer.Render(frame, reader.Width, reader.Height, options, rgb);
        var path = Path.Combine(Tools.TempDirectory(), "frame.png");
        using (var stream = File.Create(path))
        {
            PngWriter.Write(stream, rgb, width, height, new Dictionary<string, string> { ["ScaleBar"] = "2 nm" });
        }

        Assert.Equal(2.0, bar); // 10 nm wide frame: a fifth is 2 nm
        var (w, h, pixels) = DecodePng(path);
        Assert.Equal((200, 200), (w, h));
        Assert.Equal(rgb, pixels);
        // top-left pixel: the frame's first value through the hot map at 2x
        var level = (int)Math.Round((frame[0] - options.Limits.Low) * 255 / (options.Limits.High - options.Limits.Low));
        Assert.Equal(ColorMap.Hot[level].ToArray(), pixels[..3]);
        // the scale bar is white: 2 nm = 40 output pixels
        var barRow = height - Math.Max(2, width / 25) - 1;
        var whiteRun = 0;
        for (var x = 0; x < width; x++)
        {
            whiteRun += pixels[(barRow * width + x) * 3] == 255 && pixels[(barRow * width + x) * 3 + 1] == 255 && pixels[(barRow * width + x) * 3 + 2] == 255 ? 1 : 0;
        }

        Assert.Equal(40, whiteRun);
    }

    [Fact]
    public async Task Mp4_movie_has_every_frame_at_the_movie_rate()
    {
        using var fast = FastFile.Open(TestData.SyntheticMovie);
        var reader = fast.OpenMovie(FastChannels.UpDownForward);
        var path = Path.Combine(Tools.TempDirectory(), "movie.mp4");
        var image = new float[2 * reader.FrameSize];
        reader.ReadFrames(0, 1, image);
        var first = image[..reader.FrameSize];
        var options = new RenderOptions(ColorMap.Gray, ContrastLimits.FullRange(first), Scale: 2);
        var rgb = new byte[200 * 200 * 3];
        try
        {
            using var writer = Mp4Writer.Start(path, 200, 200, reader.FramesPerSecond);
            reader.ForEachBatch(5, (_, frames) =>
            {
                for (var f = 0; f < frames.Length / reader.FrameSize; f++)
                {
                    FrameRenderer.Render(frames.Slice(f * reader.FrameSize, reader.FrameSize), reader.Width, reader.Height, options, rgb);
                    writer.WriteFrame(rgb);
                }
            });
            await writer.CompleteAsync(TestContext.Current.CancellationToken);
        }
        catch (FileNotFoundException e)
        {
            Assert.Fail($"{e.Message} This test needs the Debian package 'ffmpeg'.");
        }

        var probe = Tools.Run("ffprobe", "ffmpeg", "-v", "error", "-count_frames", "-select_streams", "v:0",
            "-show_entries", "stream=width,height,nb_read_frames,r_frame_rate,codec_name", "-of", "csv=p=0", path).Trim();
        Assert.Equal("h264,200,200,8/1,50", probe);

        // the first decoded frame matches the grey levels we sent, within H.264's loss
        var raw = Path.Combine(Path.GetDirectoryName(path)!, "first.gray");
        Tools.Run("ffmpeg", "ffmpeg", "-v", "error", "-i", path, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", raw);
        var decoded = File.ReadAllBytes(raw);
        FrameRenderer.Render(first, reader.Width, reader.Height, options, rgb);
        var error = 0.0;
        for (var i = 0; i < decoded.Length; i++)
        {
            error += Math.Abs(decoded[i] - rgb[i * 3]);
        }

        Assert.InRange(error / decoded.Length, 0, 6); // mean absolute error in grey levels (limited range YUV, Mp4Writer.Encoder: crf 23)
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Yuv420_rendering_is_the_rgb_rendering_converted_with_chroma_averaged_over_2_x_2(int scale)
    {
        // 7 x 5 frame: odd sizes, so the planes carry a black (Y 16, chroma 128) margin when the scale is odd
        const int width = 7, height = 5;
        var random = new Random(4);
        var frame = Enumerable.Range(0, width * height).Select(_ => (float)random.Next(0, 1000)).ToArray();
        var options = new RenderOptions(ColorMap.Hot, ContrastLimits.FullRange(frame), scale);
        var (w, h) = (width * scale, height * scale);
        var rgb = new byte[w * h * 3];
        FrameRenderer.Render(frame, width, height, options, rgb);
        var (pw, ph) = (w + (w & 1), h + (h & 1));
        var yuv = new byte[pw * ph * 3 / 2];
        FrameRenderer.RenderYuv420(frame, width, height, options, yuv, pw, ph);

        (byte Y, byte U, byte V) Pixel(int x, int y) => x < w && y < h ? ColorMap.ToYuv(rgb[(y * w + x) * 3], rgb[(y * w + x) * 3 + 1], rgb[(y * w + x) * 3 + 2]) : ((byte)16, (byte)128, (byte)128);
        for (var y = 0; y < ph; y++)
        {
            for (var x = 0; x < pw; x++)
            {
                Assert.Equal(Pixel(x, y).Y, yuv[y * pw + x]);
            }
        }

        for (var cy = 0; cy < ph / 2; cy++)
        {
            for (var cx = 0; cx < pw / 2; cx++)
            {
                var block = new[] { Pixel(2 * cx, 2 * cy), Pixel(2 * cx + 1, 2 * cy), Pixel(2 * cx, 2 * cy + 1), Pixel(2 * cx + 1, 2 * cy + 1) };
                Assert.Equal((block.Sum(p => p.U) + 2) / 4, yuv[pw * ph + cy * pw / 2 + cx]);
                Assert.Equal((block.Sum(p => p.V) + 2) / 4, yuv[pw * ph + (pw / 2) * (ph / 2) + cy * pw / 2 + cx]);
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Yuv420_rendering_of_a_placed_image_equals_the_rendering_of_its_canvas(int scale)
    {
        // a 7 x 5 image reaching past the top and the right of a 9 x 8 canvas of background 350
        const int width = 7, height = 5, canvasWidth = 9, canvasHeight = 8, top = -2, left = 4;
        var random = new Random(5);
        var image = Enumerable.Range(0, width * height).Select(_ => (float)random.Next(0, 1000)).ToArray();
        var canvas = Enumerable.Repeat(350f, canvasWidth * canvasHeight).ToArray();
        for (var r = 0; r < height; r++)
        {
            for (var c = 0; c < width; c++)
            {
                if (top + r is >= 0 and < canvasHeight && left + c < canvasWidth)
                {
                    canvas[(top + r) * canvasWidth + left + c] = image[r * width + c];
                }
            }
        }

        var options = new RenderOptions(ColorMap.Hot, new ContrastLimits(100, 900), scale, PixelSizeNm: 0.5);
        var (pw, ph) = (canvasWidth * scale + 1 & ~1, canvasHeight * scale + 1 & ~1);
        var expected = new byte[pw * ph * 3 / 2];
        var actual = new byte[pw * ph * 3 / 2];
        FrameRenderer.RenderYuv420(canvas, canvasWidth, canvasHeight, options, expected, pw, ph);
        FrameRenderer.RenderYuv420(image, width, height, new Placement(canvasWidth, canvasHeight, top, left, 350), options, actual, pw, ph);
        Assert.Equal(expected, actual);

        // and an image entirely outside: all background
        FrameRenderer.RenderYuv420(image, width, height, new Placement(canvasWidth, canvasHeight, 0, canvasWidth, 350), options, actual, pw, ph);
        FrameRenderer.RenderYuv420(Enumerable.Repeat(350f, canvas.Length).ToArray(), canvasWidth, canvasHeight, options, expected, pw, ph);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Movie_frames_of_a_drift_corrected_movie_are_the_rendered_canvases()
    {
        // the MP4 export renders each enlarged frame at its drift position, not the canvas ForEachBatch builds:
        // every frame's YUV must be the canvas's, byte for byte
        using var fast = FastFile.Open(TestData.SyntheticMovie);
        using var pipeline = FastPipeline.Open(fast, new FastProcessing(FastChannels.UpDownInterlaced, Drift: true));
        var setup = FastExport.Prepare(pipeline, new FastRendering("hot", Scale: 2, Contrast: 0.98));
        var (pw, ph) = (Mp4Writer.PlaneWidth(setup.Width + (setup.Width & 1), Mp4Input.Yuv420), setup.Height + (setup.Height & 1));
        var canvases = new List<byte[]>();
        pipeline.ForEachBatch(16, (_, frames) =>
        {
            for (var f = 0; f < frames.Length / pipeline.FrameSize; f++)
            {
                var yuv = new byte[pw * ph * 3 / 2];
                FrameRenderer.RenderYuv420(frames.Slice(f * pipeline.FrameSize, pipeline.FrameSize), pipeline.Width, pipeline.Height, setup.Options, yuv, pw, ph);
                canvases.Add(yuv);
            }
        });
        var rendered = 0;
        FastExport.ForEachYuvGroup(pipeline, setup, (first, count, buffer, frameBytes) =>
        {
            for (var f = 0; f < count; f++)
            {
                Assert.Equal(canvases[first + f], buffer.AsSpan(f * frameBytes, frameBytes).ToArray());
                rendered++;
            }
        });
        Assert.Equal(pipeline.FrameCount, rendered);
        Assert.NotEqual(pipeline.Drift!.Position(0), pipeline.Drift.Position(pipeline.FrameCount - 1));
    }

    [Fact]
    public async Task Exported_movie_decodes_to_the_rgb_rendering_of_its_frames()
    {
        // FastExport feeds ffmpeg YUV 4:2:0 of its own; decoded back to RGB, frame 0 must look as the PNG rendering
        using var fast = FastFile.Open(TestData.SyntheticMovie);
        using var pipeline = FastPipeline.Open(fast, new FastProcessing(FastChannels.UpDownForward));
        var setup = FastExport.Prepare(pipeline, new FastRendering("hot", Scale: 2));
        var path = Path.Combine(Tools.TempDirectory(), "export.mp4");
        Assert.Equal(50, await FastExport.WriteMovieAsync(pipeline, setup, path));
        var first = new float[pipeline.FrameSize];
        pipeline.ForEachBatch(1, 0, 1, (_, frames) => frames[..pipeline.FrameSize].CopyTo(first));
        var rgb = new byte[setup.Width * setup.Height * 3];
        FrameRenderer.Render(first, pipeline.Width, pipeline.Height, setup.Options, rgb);

        var raw = Path.Combine(Path.GetDirectoryName(path)!, "export-first.rgb");
        Tools.Run("ffmpeg", "ffmpeg", "-v", "error", "-i", path, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", raw);
        var decoded = File.ReadAllBytes(raw);
        Assert.Equal(rgb.Length, decoded.Length);
        var error = 0.0;
        for (var i = 0; i < decoded.Length; i++)
        {
            error += Math.Abs(decoded[i] - rgb[i]);
        }

        Assert.InRange(error / decoded.Length, 0, 6); // mean absolute error per channel, H.264 at crf 23 and 4:2:0 chroma
    }

    private static (int Width, int Height, byte[] Rgb) DecodePng(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var pos = 8;
        int width = 0, height = 0;
        using var idat = new MemoryStream();
        while (pos < bytes.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(pos));
            var type = System.Text.Encoding.ASCII.GetString(bytes, pos + 4, 4);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(pos + 8));
                height = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(pos + 12));
                Assert.Equal(8, bytes[pos + 16]);
                Assert.Equal(2, bytes[pos + 17]);
            }
            else if (type == "IDAT")
            {
                idat.Write(bytes, pos + 8, length);
            }

            pos += 12 + length;
        }

        idat.Position = 0;
        using var z = new ZLibStream(idat, CompressionMode.Decompress);
        using var raw = new MemoryStream();
        z.CopyTo(raw);
        var scanlines = raw.ToArray();
        var rgb = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            Assert.Equal(0, scanlines[y * (width * 3 + 1)]);
            Array.Copy(scanlines, y * (width * 3 + 1) + 1, rgb, y * width * 3, width * 3);
        }

        return (width, height, rgb);
    }
}
