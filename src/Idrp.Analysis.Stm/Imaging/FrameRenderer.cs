namespace Idrp.Analysis.Stm.Imaging;

/// <summary>How a frame becomes an RGB picture.</summary>
/// <param name="ColorMap">Colour table.</param>
/// <param name="Limits">Display range.</param>
/// <param name="Scale">Integer enlargement (nearest neighbour), at least 1.</param>
/// <param name="PixelSizeNm">Width of one frame pixel in nm; when set, a scale bar is drawn.</param>
public sealed record RenderOptions(ColorMap ColorMap, ContrastLimits Limits, int Scale = 1, double? PixelSizeNm = null);

/// <summary>
/// A picture of <paramref name="CanvasWidth"/> x <paramref name="CanvasHeight"/> pixels of value
/// <paramref name="Background"/>, except an image whose top left pixel is at (<paramref name="Top"/>,
/// <paramref name="Left"/>) (clipped to the canvas; the position may be negative).
/// </summary>
public readonly record struct Placement(int CanvasWidth, int CanvasHeight, int Top, int Left, float Background);

/// <summary>Renders frames to RGB24 or planar YUV 4:2:0 (for the encoder) with an optional scale bar. Thread safe (stateless).</summary>
public static class FrameRenderer
{
    /// <summary>Output width for a frame of <paramref name="width"/> pixels.</summary>
    public static int OutputWidth(int width, RenderOptions options) => width * options.Scale;

    /// <summary>Output height for a frame of <paramref name="height"/> rows.</summary>
    public static int OutputHeight(int height, RenderOptions options) => height * options.Scale;

    /// <summary>
    /// Renders <paramref name="frame"/> (row-major, row 0 = top) into <paramref name="rgb"/>
    /// (<c>OutputWidth * OutputHeight * 3</c> bytes). The scale bar is white with a black outline, bottom left,
    /// a round length (1, 2 or 5 x 10^n nm) close to a fifth of the width; its length is returned (nm, 0 if none).
    /// </summary>
    public static double Render(ReadOnlySpan<float> frame, int width, int height, RenderOptions options, Span<byte> rgb)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Scale, 1);
        var scale = options.Scale;
        var outWidth = width * scale;
        ArgumentOutOfRangeException.ThrowIfLessThan(rgb.Length, outWidth * height * scale * 3, nameof(rgb));
        var rowRgb = width * 3 <= 4096 ? stackalloc byte[width * 3] : new byte[width * 3];
        for (var y = 0; y < height; y++)
        {
            options.ColorMap.Apply(frame.Slice(y * width, width), options.Limits, rowRgb);
            var target = rgb.Slice(y * scale * outWidth * 3, outWidth * 3);
            if (scale == 1)
            {
                rowRgb.CopyTo(target);
            }
            else
            {
                for (int x = 0, o = 0; x < width; x++)
                {
                    byte r = rowRgb[3 * x], g = rowRgb[3 * x + 1], b = rowRgb[3 * x + 2];
                    for (var k = 0; k < scale; k++, o += 3)
                    {
                        target[o] = r;
                        target[o + 1] = g;
                        target[o + 2] = b;
                    }
                }
            }

            for (var k = 1; k < scale; k++)
            {
                target.CopyTo(rgb.Slice((y * scale + k) * outWidth * 3, outWidth * 3));
            }
        }

        return options.PixelSizeNm is { } pixel && pixel > 0
            ? DrawScaleBar(rgb, outWidth, height * scale, pixel / scale)
            : 0;
    }

    /// <summary>A round length (1, 2 or 5 x 10^n) not longer than <paramref name="maximum"/>.</summary>
    public static double RoundLength(double maximum)
    {
        var decade = Math.Pow(10, Math.Floor(Math.Log10(maximum)));
        var mantissa = maximum / decade;
        return (mantissa >= 5 ? 5 : mantissa >= 2 ? 2 : 1) * decade;
    }

    /// <summary>
    /// Renders as <see cref="Render"/> into planar YUV 4:2:0 (I420: the Y plane, then U and V at half size), the
    /// picture in the top left of <paramref name="planeWidth"/> x <paramref name="planeHeight"/> (even; the rest black).
    /// Colours are <see cref="ColorMap.Yuv"/> of the RGB ones; each chroma sample is the mean of its 2 x 2 pixels
    /// (with an even scale, one frame pixel). Half the bytes of RGB, and the encoder's own conversion is skipped.
    /// </summary>
    public static double RenderYuv420(ReadOnlySpan<float> frame, int width, int height, RenderOptions options, Span<byte> yuv, int planeWidth, int planeHeight) =>
        RenderYuv420(frame, width, height, new Placement(width, height, 0, 0, 0), options, yuv, planeWidth, planeHeight);

    /// <summary>
    /// Renders the picture <paramref name="placement"/> describes (an image of <paramref name="width"/> x
    /// <paramref name="height"/> on a uniform canvas) as <see cref="RenderYuv420(ReadOnlySpan{float}, int, int, RenderOptions, Span{byte}, int, int)"/>
    /// renders that canvas, byte for byte, without building it: only the image's pixels are mapped to colours, the
    /// background is filled. A drift-corrected frame is such a picture (its enlarged frame at its shift, zeros around).
    /// </summary>
    public static double RenderYuv420(ReadOnlySpan<float> image, int width, int height, Placement placement, RenderOptions options, Span<byte> yuv, int planeWidth, int planeHeight)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Scale, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(image.Length, width * height, nameof(image));
        var scale = options.Scale;
        var (canvasWidth, canvasHeight) = (placement.CanvasWidth, placement.CanvasHeight);
        var (outWidth, outHeight) = (canvasWidth * scale, canvasHeight * scale);
        if (planeWidth % 2 != 0 || planeHeight % 2 != 0 || planeWidth < outWidth || planeHeight < outHeight)
        {
            throw new ArgumentException($"The planes ({planeWidth} x {planeHeight}) must be even and hold {outWidth} x {outHeight}.");
        }

        var (chromaWidth, chromaHeight) = (planeWidth / 2, planeHeight / 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(yuv.Length, planeWidth * planeHeight + 2 * chromaWidth * chromaHeight, nameof(yuv));
        var lumaPlane = yuv[..(planeWidth * planeHeight)];
        var uPlane = yuv.Slice(planeWidth * planeHeight, chromaWidth * chromaHeight);
        var vPlane = yuv.Slice(planeWidth * planeHeight + chromaWidth * chromaHeight, chromaWidth * chromaHeight);

        // canvas columns x0 .. x1 - 1 of rows y0 .. y1 - 1 show the image; everything else is the background
        var (top, left) = (placement.Top, placement.Left);
        var (x0, x1) = (Math.Clamp(left, 0, canvasWidth), Math.Clamp(left + width, 0, canvasWidth));
        var (y0, y1) = (Math.Clamp(top, 0, canvasHeight), Math.Clamp(top + height, 0, canvasHeight));
        if (x1 <= x0)
        {
            (y0, y1) = (0, 0);
        }

        var levels = System.Buffers.ArrayPool<byte>.Shared.Rent(width * height);
        try
        {
            ColorMap.Levels(image[..(width * height)], options.Limits, levels);
            Span<byte> backgroundLevel = stackalloc byte[1];
            ColorMap.Levels([placement.Background], options.Limits, backgroundLevel);
            var background = backgroundLevel[0];
            var map = options.ColorMap;
            var table = map.YuvTable;
            var (backgroundY, backgroundU, backgroundV) = map.Yuv(background);
            for (var y = 0; y < canvasHeight; y++)
            {
                var row = lumaPlane.Slice(y * scale * planeWidth, planeWidth);
                if (y < y0 || y >= y1)
                {
                    row[..outWidth].Fill(backgroundY);
                }
                else
                {
                    row[..(x0 * scale)].Fill(backgroundY);
                    Expand(levels.AsSpan((y - top) * width + (x0 - left), x1 - x0), table, 0, scale, row[(x0 * scale)..]);
                    row[(x1 * scale)..outWidth].Fill(backgroundY);
                }

                row[outWidth..].Fill(16);
                for (var k = 1; k < scale; k++)
                {
                    row.CopyTo(lumaPlane.Slice((y * scale + k) * planeWidth, planeWidth));
                }
            }

            lumaPlane[(outHeight * planeWidth)..].Fill(16);
            if (scale % 2 == 0)
            {
                // every 2 x 2 block lies in one canvas pixel, which gives scale / 2 x scale / 2 chroma samples
                var half = scale / 2;
                for (var y = 0; y < canvasHeight; y++)
                {
                    var uRow = uPlane.Slice(y * half * chromaWidth, chromaWidth);
                    var vRow = vPlane.Slice(y * half * chromaWidth, chromaWidth);
                    if (y < y0 || y >= y1)
                    {
                        uRow[..(canvasWidth * half)].Fill(backgroundU);
                        vRow[..(canvasWidth * half)].Fill(backgroundV);
                    }
                    else
                    {
                        var source = levels.AsSpan((y - top) * width + (x0 - left), x1 - x0);
                        uRow[..(x0 * half)].Fill(backgroundU);
                        vRow[..(x0 * half)].Fill(backgroundV);
                        Expand(source, table, 1, half, uRow[(x0 * half)..]);
                        Expand(source, table, 2, half, vRow[(x0 * half)..]);
                        uRow[(x1 * half)..(canvasWidth * half)].Fill(backgroundU);
                        vRow[(x1 * half)..(canvasWidth * half)].Fill(backgroundV);
                    }

                    uRow[(canvasWidth * half)..].Fill(128);
                    vRow[(canvasWidth * half)..].Fill(128);
                    for (var k = 1; k < half; k++)
                    {
                        uRow.CopyTo(uPlane[((y * half + k) * chromaWidth)..]);
                        vRow.CopyTo(vPlane[((y * half + k) * chromaWidth)..]);
                    }
                }

                uPlane[(canvasHeight * half * chromaWidth)..].Fill(128);
                vPlane[(canvasHeight * half * chromaWidth)..].Fill(128);
            }
            else
            {
                // an odd scale: a 2 x 2 block can straddle canvas pixels, so each chroma sample is their mean
                for (var cy = 0; cy < chromaHeight; cy++)
                {
                    for (var cx = 0; cx < chromaWidth; cx++)
                    {
                        int u = 0, v = 0;
                        for (var d = 0; d < 4; d++)
                        {
                            var (ox, oy) = (2 * cx + (d & 1), 2 * cy + (d >> 1));
                            if (ox < outWidth && oy < outHeight)
                            {
                                var (px, py) = (ox / scale, oy / scale);
                                var level = px >= x0 && px < x1 && py >= y0 && py < y1 ? levels[(py - top) * width + px - left] : background;
                                var (_, pu, pv) = map.Yuv(level);
                                (u, v) = (u + pu, v + pv);
                            }
                            else
                            {
                                (u, v) = (u + 128, v + 128);
                            }
                        }

                        uPlane[cy * chromaWidth + cx] = (byte)((u + 2) >> 2);
                        vPlane[cy * chromaWidth + cx] = (byte)((v + 2) >> 2);
                    }
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(levels);
        }

        if (options.PixelSizeNm is not { } pixel || !(pixel > 0) || ScaleBar(outWidth, outHeight, pixel / scale) is not { } bar)
        {
            return 0;
        }

        // white and black are grey: Y 235 / 16, chroma 128 over the bar and its outline
        for (var y = bar.Top - 1; y <= bar.Top + bar.Thickness; y++)
        {
            for (var x = bar.Margin - 1; x <= bar.Margin + bar.Pixels; x++)
            {
                if (x < 0 || x >= outWidth || y < 0 || y >= outHeight)
                {
                    continue;
                }

                var inside = y >= bar.Top && y < bar.Top + bar.Thickness && x >= bar.Margin && x < bar.Margin + bar.Pixels;
                lumaPlane[y * planeWidth + x] = inside ? (byte)235 : (byte)16;
                uPlane[y / 2 * chromaWidth + x / 2] = 128;
                vPlane[y / 2 * chromaWidth + x / 2] = 128;
            }
        }

        return bar.Length;
    }

    // component (0 = Y, 1 = U, 2 = V) of every level's colour, each repeated times times
    private static void Expand(ReadOnlySpan<byte> source, ReadOnlySpan<byte> table, int component, int times, Span<byte> target)
    {
        if (times == 1)
        {
            target = target[..source.Length];
            for (var x = 0; x < source.Length; x++)
            {
                target[x] = table[3 * source[x] + component];
            }
        }
        else if (times == 2)
        {
            // two equal bytes as one 16-bit store
            var pairs = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(target[..(2 * source.Length)]);
            for (var x = 0; x < source.Length; x++)
            {
                pairs[x] = (ushort)(table[3 * source[x] + component] * 0x0101);
            }
        }
        else
        {
            for (int x = 0, o = 0; x < source.Length; x++)
            {
                var value = table[3 * source[x] + component];
                for (var k = 0; k < times; k++)
                {
                    target[o++] = value;
                }
            }
        }
    }

    // the scale bar's geometry on a width x height picture, or null when it does not fit
    private static (double Length, int Pixels, int Thickness, int Margin, int Top)? ScaleBar(int width, int height, double nmPerPixel)
    {
        var length = RoundLength(width * nmPerPixel / 5);
        var pixels = (int)Math.Round(length / nmPerPixel);
        var thickness = Math.Max(2, height / 50);
        var margin = Math.Max(2, width / 25);
        var top = height - margin - thickness;
        return pixels < 1 || top < 1 ? null : (length, pixels, thickness, margin, top);
    }

    private static double DrawScaleBar(Span<byte> rgb, int width, int height, double nmPerPixel)
    {
        if (ScaleBar(width, height, nmPerPixel) is not var (length, pixels, thickness, margin, top))
        {
            return 0;
        }

        for (var y = top - 1; y <= top + thickness; y++)
        {
            for (var x = margin - 1; x <= margin + pixels; x++)
            {
                if (x < 0 || x >= width || y < 0 || y >= height)
                {
                    continue;
                }

                var inside = y >= top && y < top + thickness && x >= margin && x < margin + pixels;
                var value = inside ? (byte)255 : (byte)0;
                rgb[(y * width + x) * 3] = value;
                rgb[(y * width + x) * 3 + 1] = value;
                rgb[(y * width + x) * 3 + 2] = value;
            }
        }

        return length;
    }
}
