namespace Idrp.Analysis.Stm.Imaging;

/// <summary>How a frame becomes an RGB picture.</summary>
/// <param name="ColorMap">Colour table.</param>
/// <param name="Limits">Display range.</param>
/// <param name="Scale">Integer enlargement (nearest neighbour), at least 1.</param>
/// <param name="PixelSizeNm">Width of one frame pixel in nm; when set, a scale bar is drawn.</param>
public sealed record RenderOptions(ColorMap ColorMap, ContrastLimits Limits, int Scale = 1, double? PixelSizeNm = null);

/// <summary>Renders frames to RGB24 with an optional scale bar. Thread safe (stateless).</summary>
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

    private static double DrawScaleBar(Span<byte> rgb, int width, int height, double nmPerPixel)
    {
        var length = RoundLength(width * nmPerPixel / 5);
        var pixels = (int)Math.Round(length / nmPerPixel);
        var thickness = Math.Max(2, height / 50);
        var margin = Math.Max(2, width / 25);
        var top = height - margin - thickness;
        if (pixels < 1 || top < 1)
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
