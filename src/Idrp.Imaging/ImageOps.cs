namespace Idrp.Imaging;

/// <summary>
/// Crop and area-average resize. Resizing is a box filter: each output pixel is the mean of the source area it
/// covers, weighted by the covered fraction of partly covered pixels, which keeps the mean intensity and does not
/// alias when shrinking (enlarging degenerates to nearest-neighbour-like blocks). Rows are split into bands over all
/// cores for large images. Thread-safe (inputs are only read).
/// </summary>
public static class ImageOps
{
    /// <summary>Rows × output width below which one band (one thread) does the work.</summary>
    private const int MinimumPixelsPerBand = 64 * 1024;

    /// <summary>The region (x, y, width, height) in pixels, copied into a new image.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The region is empty or leaves the image.</exception>
    public static GrayImage Crop(GrayImage image, int x, int y, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(image);
        CheckRegion(image.Width, image.Height, x, y, width, height);
        var output = new float[width * height];
        for (var row = 0; row < height; row++)
        {
            image.Pixels.AsSpan(((y + row) * image.Width) + x, width).CopyTo(output.AsSpan(row * width, width));
        }

        return new GrayImage(width, height, output);
    }

    /// <inheritdoc cref="Crop(GrayImage, int, int, int, int)"/>
    public static RgbImage Crop(RgbImage image, int x, int y, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(image);
        CheckRegion(image.Width, image.Height, x, y, width, height);
        var output = new byte[width * height * 3];
        for (var row = 0; row < height; row++)
        {
            image.Pixels.AsSpan((((y + row) * image.Width) + x) * 3, width * 3).CopyTo(output.AsSpan(row * width * 3, width * 3));
        }

        return new RgbImage(width, height, output);
    }

    /// <summary>Area-average resize to <paramref name="width"/> × <paramref name="height"/>.</summary>
    public static GrayImage Resize(GrayImage image, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        var output = new float[width * height];
        ResizeArea(image.Pixels, image.Width, image.Height, 1, output, width, height);
        return new GrayImage(width, height, output);
    }

    /// <summary>Area-average resize of each channel to <paramref name="width"/> × <paramref name="height"/>, rounded to bytes.</summary>
    public static RgbImage Resize(RgbImage image, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        var source = new float[image.Width * image.Height * 3];
        for (var i = 0; i < source.Length; i++)
        {
            source[i] = image.Pixels[i];
        }

        var resized = new float[width * height * 3];
        ResizeArea(source, image.Width, image.Height, 3, resized, width, height);
        var output = new byte[resized.Length];
        for (var i = 0; i < output.Length; i++)
        {
            output[i] = (byte)Math.Clamp((int)MathF.Round(resized[i]), 0, 255);
        }

        return new RgbImage(width, height, output);
    }

    /// <summary>The size that fits <paramref name="width"/> × <paramref name="height"/> into a square of <paramref name="longestSide"/>, keeping the aspect ratio (never below 1 px).</summary>
    public static (int Width, int Height) FitWithin(int width, int height, int longestSide)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(longestSide, 1);
        var scale = (double)longestSide / Math.Max(width, height);
        return (Math.Max(1, (int)Math.Round(width * scale)), Math.Max(1, (int)Math.Round(height * scale)));
    }

    /// <summary>
    /// Box-filter resize of interleaved <paramref name="channels"/>-channel data: a horizontal pass into a scratch
    /// image of the new width, then a vertical pass; each pass over bands of rows in parallel.
    /// </summary>
    internal static void ResizeArea(float[] source, int sourceWidth, int sourceHeight, int channels, float[] output, int width, int height)
    {
        var horizontal = Weights.For(sourceWidth, width);
        var vertical = Weights.For(sourceHeight, height);
        var temp = new float[sourceHeight * width * channels];
        ForBands(sourceHeight, width, (from, to) =>
        {
            for (var y = from; y < to; y++)
            {
                var src = source.AsSpan(y * sourceWidth * channels, sourceWidth * channels);
                var dst = temp.AsSpan(y * width * channels, width * channels);
                for (var x = 0; x < width; x++)
                {
                    var start = horizontal.Start[x];
                    var count = horizontal.Count[x];
                    var w = horizontal.Offset[x];
                    for (var c = 0; c < channels; c++)
                    {
                        var sum = 0f;
                        for (var k = 0; k < count; k++)
                        {
                            sum += src[((start + k) * channels) + c] * horizontal.Value[w + k];
                        }

                        dst[(x * channels) + c] = sum;
                    }
                }
            }
        });
        var rowLength = width * channels;
        ForBands(height, width, (from, to) =>
        {
            for (var y = from; y < to; y++)
            {
                var dst = output.AsSpan(y * rowLength, rowLength);
                dst.Clear();
                var start = vertical.Start[y];
                var count = vertical.Count[y];
                var w = vertical.Offset[y];
                for (var k = 0; k < count; k++)
                {
                    var weight = vertical.Value[w + k];
                    var src = temp.AsSpan((start + k) * rowLength, rowLength);
                    for (var i = 0; i < rowLength; i++)
                    {
                        dst[i] += src[i] * weight;
                    }
                }
            }
        });
    }

    private static void ForBands(int rows, int rowPixels, Action<int, int> body)
    {
        var bands = Math.Clamp((int)((long)rows * rowPixels / MinimumPixelsPerBand), 1, Math.Min(rows, Environment.ProcessorCount * 4));
        if (bands == 1)
        {
            body(0, rows);
            return;
        }

        Parallel.For(0, bands, band => body((int)((long)rows * band / bands), (int)((long)rows * (band + 1) / bands)));
    }

    private static void CheckRegion(int imageWidth, int imageHeight, int x, int y, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(x);
        ArgumentOutOfRangeException.ThrowIfNegative(y);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(x + width, imageWidth, nameof(width));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(y + height, imageHeight, nameof(height));
    }

    /// <summary>For each output pixel, the source pixels it covers and their normalised weights.</summary>
    private sealed class Weights
    {
        public required int[] Start { get; init; }

        public required int[] Count { get; init; }

        public required int[] Offset { get; init; }

        public required float[] Value { get; init; }

        public static Weights For(int sourceLength, int length)
        {
            var scale = (double)sourceLength / length;
            var start = new int[length];
            var count = new int[length];
            var offset = new int[length];
            var values = new List<float>(length * ((int)Math.Ceiling(scale) + 2));
            for (var i = 0; i < length; i++)
            {
                var a = i * scale;
                var b = Math.Min(sourceLength, (i + 1) * scale);
                var first = Math.Min(sourceLength - 1, (int)Math.Floor(a));
                var last = Math.Max(first, Math.Min(sourceLength - 1, (int)Math.Ceiling(b) - 1));
                start[i] = first;
                count[i] = last - first + 1;
                offset[i] = values.Count;
                var span = b - a;
                for (var j = first; j <= last; j++)
                {
                    var overlap = Math.Min(b, j + 1) - Math.Max(a, j);
                    values.Add((float)(Math.Max(0, overlap) / span));
                }
            }

            return new Weights { Start = start, Count = count, Offset = offset, Value = [.. values] };
        }
    }
}
