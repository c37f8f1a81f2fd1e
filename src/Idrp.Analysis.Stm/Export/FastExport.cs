using System.Buffers;
using System.Globalization;
using Idrp.Analysis.Stm.Fast;
using Idrp.Analysis.Stm.Gwyddion;
using Idrp.Analysis.Stm.Imaging;
using Idrp.Analysis.Stm.Matrix;
using Idrp.Analysis.Stm.Processing;

namespace Idrp.Analysis.Stm.Export;

/// <summary>How processed FAST frames become pictures.</summary>
/// <param name="ColorMap">hot, gray or gwyddion.</param>
/// <param name="Scale">Integer enlargement of every pixel (1..16).</param>
/// <param name="Contrast">Fraction of the first image's values inside the colour range (pyfastspm's keep), in (0, 1].</param>
/// <param name="Physical">Convert ADC counts to physical units (<c>SignalIn.*</c> attributes).</param>
public sealed record FastRendering(string ColorMap = "hot", int Scale = 4, double Contrast = 0.99, bool Physical = false);

/// <summary>The render settings fixed for one movie: options, picture size, calibration.</summary>
public sealed record FastRenderSetup(RenderOptions Options, int Width, int Height, SignalCalibration? Calibration);

/// <summary>
/// The exports of a processed FAST movie (MP4, PNG frames, Gwyddion fields) and of MATRIX images, shared by the CLI
/// and the server's jobs. Frames are streamed group by group from <see cref="FastPipeline"/> and rendered into
/// buffers of <see cref="FastPipeline.FramesPerCall"/> frames: memory does not grow with the movie. Rendering runs
/// in parallel over the frames of a group.
/// </summary>
public static class FastExport
{
    private const int ImagesPerBatch = 16;

    /// <summary>Fixes colours and contrast (from the first image: a movie-wide percentile would need another pass).</summary>
    /// <exception cref="ArgumentException">Scale, contrast or colour map out of range, or no calibration for <see cref="FastRendering.Physical"/>.</exception>
    public static FastRenderSetup Prepare(FastPipeline pipeline, FastRendering rendering)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(rendering);
        if (rendering.Scale is < 1 or > 16)
        {
            throw new ArgumentException("The scale must be 1..16.");
        }

        if (!(rendering.Contrast > 0 && rendering.Contrast <= 1))
        {
            throw new ArgumentException("The contrast must be in (0, 1].");
        }

        var map = ColorMap.FromName(rendering.ColorMap);
        SignalCalibration? calibration = null;
        if (rendering.Physical)
        {
            calibration = pipeline.Reader.Metadata.Signal
                ?? throw new ArgumentException("The file has no SignalIn.InputRange (or uses a log amplifier): no calibration of counts to physical units.");
        }

        float[]? first = null;
        pipeline.ForEachBatch(1, 0, 1, (_, frames) => first ??= frames.ToArray());
        calibration?.Apply(first);
        var options = new RenderOptions(map, ContrastLimits.Keep(first, rendering.Contrast), rendering.Scale, pipeline.PixelWidthNm);
        return new FastRenderSetup(options, FrameRenderer.OutputWidth(pipeline.Width, options), FrameRenderer.OutputHeight(pipeline.Height, options), calibration);
    }

    /// <summary>
    /// Encodes the movie to MP4 (H.264 through ffmpeg; sizes padded to even). <paramref name="progress"/> receives the
    /// number of frames written so far after each batch. Returns the frames written.
    /// </summary>
    /// <remarks>
    /// Frames are rendered by <see cref="ForEachYuvGroup"/>; each group is written to ffmpeg from another thread while
    /// the next one is rendered, so our work overlaps the encoder's.
    /// </remarks>
    public static async Task<int> WriteMovieAsync(FastPipeline pipeline, FastRenderSetup setup, string target, double speed = 1,
        Action<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(speed);
        var (width, height) = (setup.Width + (setup.Width & 1), setup.Height + (setup.Height & 1));
        using var writer = Mp4Writer.Start(target, width, height, pipeline.Reader.FramesPerSecond * speed, input: Mp4Input.Yuv420);
        Task? writing = null;
        ForEachYuvGroup(pipeline, setup, (_, count, buffer, frameBytes) =>
        {
            // the previous group has gone to ffmpeg (the buffer of the one before is rendered into next); hand this one on
            writing?.GetAwaiter().GetResult();
            progress?.Invoke(writer.FramesWritten);
            writing = Task.Run(() =>
            {
                for (var f = 0; f < count; f++)
                {
                    writer.WriteFrame(buffer.AsSpan(f * frameBytes, frameBytes));
                }
            }, CancellationToken.None);
        }, Drain, cancellationToken);
        writing?.GetAwaiter().GetResult(); // finished by now: its error, if any
        progress?.Invoke(writer.FramesWritten);
        await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        return writer.FramesWritten;

        // waits for the write in flight; its error is thrown above (or, when rendering failed, the rendering's error is)
        void Drain()
        {
            try
            {
                writing?.Wait(CancellationToken.None);
            }
            catch (AggregateException)
            {
            }
        }
    }

    /// <summary>
    /// Renders the whole movie to the MP4 encoder's YUV 4:2:0 (<see cref="Mp4Writer.FrameBytes"/> per frame, even sizes)
    /// in groups of at most <see cref="FastPipeline.FramesPerCall"/> frames, rendered in parallel, and hands each group
    /// on (first frame, frames, buffer, bytes per frame). Two buffers alternate: a group's buffer stays untouched until
    /// the group after next is rendered, so <paramref name="onGroup"/> may pass it to another thread until it is
    /// called again; <paramref name="drain"/> (waiting for such a thread) runs before the buffers are released, also on
    /// errors. A drift-corrected frame is rendered as its enlarged frame at its drift position on the zero
    /// background (<see cref="Placement"/>), byte for byte the picture of the canvas
    /// <see cref="FastPipeline.ForEachBatch(int, FrameBatchAction, CancellationToken)"/> builds, without building it.
    /// </summary>
    internal static void ForEachYuvGroup(FastPipeline pipeline, FastRenderSetup setup, Action<int, int, byte[], int> onGroup, Action? drain = null,
        CancellationToken cancellationToken = default)
    {
        var (width, height) = (setup.Width + (setup.Width & 1), setup.Height + (setup.Height & 1));
        var frameBytes = Mp4Writer.FrameBytes(width, height, Mp4Input.Yuv420);
        var planeWidth = Mp4Writer.PlaneWidth(width, Mp4Input.Yuv420);
        var drift = pipeline.Drift;
        var inputSize = pipeline.Reader.FrameSize;
        var (imageColumns, imageRows) = drift is null ? (pipeline.Width, pipeline.Height) : (drift.FrameColumns, drift.FrameRows);
        var imageSize = imageColumns * imageRows;
        Span<float> zero = [0f];
        setup.Calibration?.Apply(zero);
        var background = zero[0];
        var group = pipeline.FramesPerCall;
        byte[][] yuv = [ArrayPool<byte>.Shared.Rent(group * frameBytes), ArrayPool<byte>.Shared.Rent(group * frameBytes)];
        var copy = ArrayPool<float>.Shared.Rent(group * inputSize);
        var images = drift is null ? copy : ArrayPool<float>.Shared.Rent(group * imageSize);
        var next = 0;
        try
        {
            pipeline.ForEachCorrectedBatch(ImagesPerBatch, 0, pipeline.Reader.ImageCount, (firstFrame, frames) =>
            {
                var n = frames.Length / inputSize;
                frames.CopyTo(copy);
                var buffer = yuv[next];
                next ^= 1;
                Parallel.For(0, n, f =>
                {
                    var image = images.AsSpan(f * imageSize, imageSize);
                    var placement = new Placement(pipeline.Width, pipeline.Height, 0, 0, background);
                    if (drift is not null)
                    {
                        drift.Enlarge(copy.AsSpan(f * inputSize, inputSize), image);
                        var (top, left) = drift.Position(firstFrame + f);
                        placement = placement with { Top = top, Left = left };
                    }

                    setup.Calibration?.Apply(image);
                    FrameRenderer.RenderYuv420(image, imageColumns, imageRows, placement, setup.Options, buffer.AsSpan(f * frameBytes, frameBytes), planeWidth, height);
                });
                onGroup(firstFrame, n, buffer, frameBytes);
            }, cancellationToken);
        }
        finally
        {
            drain?.Invoke();
            ArrayPool<byte>.Shared.Return(yuv[0]);
            ArrayPool<byte>.Shared.Return(yuv[1]);
            ArrayPool<float>.Shared.Return(copy);
            if (!ReferenceEquals(images, copy))
            {
                ArrayPool<float>.Shared.Return(images);
            }
        }
    }

    /// <summary>
    /// Renders frames <paramref name="first"/> .. <paramref name="first"/> + <paramref name="count"/> - 1 and hands each
    /// PNG (frame index, encoded bytes) to <paramref name="onFrame"/>, in frame order.
    /// </summary>
    public static void WritePngFrames(FastPipeline pipeline, FastRenderSetup setup, int first, int count, Action<int, byte[]> onFrame,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(onFrame);
        CheckRange(pipeline, first, count);
        var frameBytes = setup.Width * setup.Height * 3;
        var rgb = ArrayPool<byte>.Shared.Rent(pipeline.FramesPerCall * frameBytes);
        var copy = ArrayPool<float>.Shared.Rent(pipeline.FramesPerCall * pipeline.FrameSize);
        try
        {
            var firstImage = first / pipeline.FramesPerImage;
            var lastImage = (first + count - 1) / pipeline.FramesPerImage;
            pipeline.ForEachBatch(8, firstImage, lastImage - firstImage + 1, (firstFrame, frames) =>
            {
                var n = frames.Length / pipeline.FrameSize;

                RenderBatch(pipeline, setup, frames, copy, rgb, frameBytes);
                var pngs = new byte[n][];
                Parallel.For(0, n, f =>
                {
                    if (firstFrame + f >= first && firstFrame + f < first + count)
                    {
                        using var png = new MemoryStream();
                        PngWriter.Write(png, rgb.AsSpan(f * frameBytes, frameBytes), setup.Width, setup.Height);
                        pngs[f] = png.ToArray();
                    }
                });
                for (var f = 0; f < n; f++)
                {
                    if (pngs[f] is { } bytes)
                    {
                        onFrame(firstFrame + f, bytes);
                    }
                }
            }, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rgb);
            ArrayPool<float>.Shared.Return(copy);
        }
    }

    /// <summary>Frames <paramref name="first"/> .. + <paramref name="count"/> - 1 as Gwyddion fields in metres and the signal's unit (counts without calibration).</summary>
    public static List<GwyField> Fields(FastPipeline pipeline, int first, int count, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        CheckRange(pipeline, first, count);
        var m = pipeline.Reader.Metadata;
        var calibration = m.Signal;
        var metadata = Metadata(m);
        var pixel = pipeline.PixelWidthNm ?? 1;
        var channels = pipeline.Reader.Channels;
        var heightNm = channels is FastChannels.UpInterlaced or FastChannels.DownInterlaced or FastChannels.UpDownInterlaced
            ? pipeline.Height * pixel / 2 : pipeline.Height * pixel;
        var fields = new List<GwyField>();
        var firstImage = first / pipeline.FramesPerImage;
        var lastImage = (first + count - 1) / pipeline.FramesPerImage;
        pipeline.ForEachBatch(8, firstImage, lastImage - firstImage + 1, (firstFrame, frames) =>
        {
            for (var f = 0; f < frames.Length / pipeline.FrameSize; f++)
            {
                var index = firstFrame + f;
                if (index < first || index >= first + count)
                {
                    continue;
                }

                var values = new double[pipeline.FrameSize];
                var frame = frames.Slice(f * pipeline.FrameSize, pipeline.FrameSize);
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = calibration?.Apply(frame[i]) ?? frame[i];
                }

                fields.Add(new GwyField(pipeline.Width, pipeline.Height, values, pipeline.Width * pixel * 1e-9, heightNm * 1e-9, "m", calibration?.Unit ?? "",
                    string.Create(CultureInfo.InvariantCulture, $"frame {index:D5} {channels.ToDescriptor()}")) { Metadata = metadata });
            }
        }, cancellationToken);
        return fields;
    }

    /// <summary>The images of a FAST image-set file (slow image, error topography) as Gwyddion fields.</summary>
    public static List<GwyField> ImageSetFields(FastFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var m = file.Metadata;
        var metadata = Metadata(m);
        return file.ReadImages()
            .Select(i => new GwyField(i.Columns, i.Rows, i.Values, (m.WidthNm ?? i.Columns) * 1e-9, (m.HeightNm ?? i.Rows) * 1e-9, "m", "", i.DatasetName) { Metadata = metadata })
            .ToList();
    }

    /// <summary>The images of a MATRIX data file (every scan direction) as Gwyddion fields with the parameter file's settings.</summary>
    public static List<GwyField> MatrixFields(string dataPath, MatrixParameterFile parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var settings = parameters.SettingsFor(dataPath).Take(200).ToDictionary(p => p.Key, p => p.Value.ToString(), StringComparer.Ordinal);
        return MatrixFile.ReadImages(dataPath, parameters)
            .Select(i => new GwyField(i.Columns, i.Rows, i.Values, i.WidthMetres, i.HeightMetres, "m", i.Unit, i.Direction.ToString()) { Metadata = settings })
            .ToList();
    }

    /// <summary>A field as PNG (Gwyddion colours, 1 % of values clipped, scale bar), enlarged to about 512 pixels.</summary>
    public static byte[] FieldPng(GwyField field)
    {
        ArgumentNullException.ThrowIfNull(field);
        return ImagePng(field.Values, field.Columns, field.Rows, field.XReal);
    }

    /// <summary>Row-major values of a <paramref name="widthMetres"/> wide image as PNG, drawn as <see cref="FieldPng"/> draws.</summary>
    public static byte[] ImagePng(IEnumerable<double> rowMajorValues, int columns, int rows, double widthMetres)
    {
        var values = rowMajorValues.Select(v => (float)v).ToArray();
        var scale = Math.Max(1, 512 / Math.Max(columns, rows));
        var options = new RenderOptions(ColorMap.Gwyddion, ContrastLimits.Keep(values, 0.99), scale, widthMetres * 1e9 / columns);
        var w = FrameRenderer.OutputWidth(columns, options);
        var h = FrameRenderer.OutputHeight(rows, options);
        var rgb = new byte[w * h * 3];
        FrameRenderer.Render(values, columns, rows, options, rgb);
        using var png = new MemoryStream();
        PngWriter.Write(png, rgb, w, h);
        return png.ToArray();
    }

    /// <summary>A title made safe for a file name.</summary>
    public static string SafeName(string title) => string.Concat((title ?? string.Empty).Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_'));

    /// <summary>What the pipeline did, in one line: "udi, x phase 3, FFT filtered, creep 0.3012, drift corrected".</summary>
    public static string Describe(FastPipeline pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        var parts = new List<string> { pipeline.Reader.Channels.ToDescriptor(), $"x phase {pipeline.Reader.XPhase}" };
        if (pipeline.Reader.Filter is not null)
        {
            parts.Add("FFT filtered");
        }

        if (pipeline.Creep is { } creep)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"creep {creep.Parameter:F4}"));
        }

        if (pipeline.Drift is not null)
        {
            parts.Add("drift corrected");
        }

        return string.Join(", ", parts);
    }

    private static Dictionary<string, string> Metadata(FastMetadata m) =>
        StmFiles.Settings(m).Take(200).ToDictionary(s => s.Key, s => s.Unit is null ? s.Text : $"{s.Text} {s.Unit}", StringComparer.Ordinal);

    private static void CheckRange(FastPipeline pipeline, int first, int count)
    {
        if (first < 0 || count < 1 || first + count > pipeline.FrameCount)
        {
            throw new ArgumentException($"Frames {first}..{first + count - 1} are outside the movie's 0..{pipeline.FrameCount - 1}.");
        }
    }

    // renders the group in parallel into rgb (frame f at f * frameBytes)
    private static void RenderBatch(FastPipeline pipeline, FastRenderSetup setup, Span<float> frames, float[] copy, byte[] rgb, int frameBytes)
    {
        var perFrame = pipeline.FrameSize;
        var n = frames.Length / perFrame;
        frames.CopyTo(copy);
        setup.Calibration?.Apply(copy.AsSpan(0, frames.Length));
        var (frameWidth, frameHeight, options) = (pipeline.Width, pipeline.Height, setup.Options);
        Parallel.For(0, n, f => FrameRenderer.Render(copy.AsSpan(f * perFrame, perFrame), frameWidth, frameHeight, options, rgb.AsSpan(f * frameBytes, frameBytes)));
    }
}
