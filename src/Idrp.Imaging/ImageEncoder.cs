using SkiaSharp;

namespace Idrp.Imaging;

/// <summary>PNG and JPEG encoding (SkiaSharp), and thumbnails of any readable image. Thread-safe.</summary>
public static class ImageEncoder
{
    /// <summary>Writes an 8-bit grayscale PNG (intensities clamped to [0, 1]).</summary>
    public static void WritePng(GrayImage image, Stream output) => Encode(ToBitmap(image), SKEncodedImageFormat.Png, 100, output);

    /// <summary>Writes an 8-bit RGB PNG.</summary>
    public static void WritePng(RgbImage image, Stream output) => Encode(ToBitmap(image), SKEncodedImageFormat.Png, 100, output);

    /// <summary>Writes a grayscale JPEG of the given quality (1-100).</summary>
    public static void WriteJpeg(GrayImage image, Stream output, int quality = 90)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quality, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quality, 100);
        Encode(ToBitmap(image), SKEncodedImageFormat.Jpeg, quality, output);
    }

    /// <summary>Writes an RGB JPEG of the given quality (1-100).</summary>
    public static void WriteJpeg(RgbImage image, Stream output, int quality = 90)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quality, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quality, 100);
        Encode(ToBitmap(image), SKEncodedImageFormat.Jpeg, quality, output);
    }

    /// <summary>
    /// A PNG thumbnail of <paramref name="inputPath"/> (JPEG, PNG, TIFF incl. 16-bit, …) whose longest side is
    /// <paramref name="longestSide"/> pixels (smaller images are not enlarged), area-averaged, grayscale when the
    /// image is grey, RGB otherwise.
    /// </summary>
    /// <exception cref="ImageDecodeException">The input is not a readable image.</exception>
    public static void WriteThumbnailPng(string inputPath, Stream output, int longestSide) =>
        WriteThumbnailPng(File.ReadAllBytes(inputPath), inputPath, output, longestSide);

    /// <inheritdoc cref="WriteThumbnailPng(string, Stream, int)"/>
    public static void WriteThumbnailPng(byte[] data, string source, Stream output, int longestSide)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(longestSide, 1);
        ArgumentNullException.ThrowIfNull(output);
        var image = ImageDecoder.DecodeRgb(data, source, longestSide);
        if (Math.Max(image.Width, image.Height) > longestSide)
        {
            var (w, h) = ImageOps.FitWithin(image.Width, image.Height, longestSide);
            image = ImageOps.Resize(image, w, h);
        }

        if (IsGray(image))
        {
            var gray = new float[image.Width * image.Height];
            for (var i = 0; i < gray.Length; i++)
            {
                gray[i] = image.Pixels[3 * i] / 255f;
            }

            WritePng(new GrayImage(image.Width, image.Height, gray), output);
        }
        else
        {
            WritePng(image, output);
        }
    }

    private static bool IsGray(RgbImage image)
    {
        var p = image.Pixels;
        for (var i = 0; i < image.Width * image.Height; i++)
        {
            if (p[3 * i] != p[(3 * i) + 1] || p[3 * i] != p[(3 * i) + 2])
            {
                return false;
            }
        }

        return true;
    }

    private static SKBitmap ToBitmap(GrayImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var bitmap = new SKBitmap(new SKImageInfo(image.Width, image.Height, SKColorType.Gray8, SKAlphaType.Opaque));
        var pixels = bitmap.GetPixelSpan();
        for (var y = 0; y < image.Height; y++)
        {
            var src = image.Pixels.AsSpan(y * image.Width, image.Width);
            var dst = pixels.Slice(y * bitmap.RowBytes, image.Width);
            for (var x = 0; x < src.Length; x++)
            {
                dst[x] = (byte)Math.Clamp((int)MathF.Round(src[x] * 255f), 0, 255);
            }
        }

        return bitmap;
    }

    private static SKBitmap ToBitmap(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var bitmap = new SKBitmap(new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var pixels = bitmap.GetPixelSpan();
        for (var y = 0; y < image.Height; y++)
        {
            var src = image.Pixels.AsSpan(y * image.Width * 3, image.Width * 3);
            var dst = pixels.Slice(y * bitmap.RowBytes, image.Width * 4);
            for (var x = 0; x < image.Width; x++)
            {
                dst[4 * x] = src[3 * x];
                dst[(4 * x) + 1] = src[(3 * x) + 1];
                dst[(4 * x) + 2] = src[(3 * x) + 2];
                dst[(4 * x) + 3] = 255;
            }
        }

        return bitmap;
    }

    private static void Encode(SKBitmap bitmap, SKEncodedImageFormat format, int quality, Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        using (bitmap)
        using (var data = bitmap.Encode(format, quality) ?? throw new InvalidOperationException($"SkiaSharp could not encode {format}"))
        {
            data.SaveTo(output);
        }
    }
}
