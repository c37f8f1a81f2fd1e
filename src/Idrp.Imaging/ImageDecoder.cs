using BitMiracle.LibTiff.Classic;
using SkiaSharp;

namespace Idrp.Imaging;

/// <summary>
/// Decodes JPEG, PNG, BMP, GIF, WebP (SkiaSharp) and TIFF (LibTiff.NET: 8- and 16-bit grayscale exactly, anything
/// else LibTiff can read through its RGBA path) into <see cref="GrayImage"/> or <see cref="RgbImage"/>.
/// The format is recognised from the bytes, not the file name. Thread-safe (no shared state).
/// </summary>
public static class ImageDecoder
{
    static ImageDecoder()
    {
        // LibTiff prints warnings to stderr and carries on after errors; we want neither.
        Tiff.SetErrorHandler(new ThrowingTiffErrorHandler());
    }

    /// <summary>Reads a file as intensities in [0, 1] (luma 0.299 R + 0.587 G + 0.114 B for colour images).</summary>
    /// <param name="path">The image file.</param>
    /// <param name="minLongestSide">
    /// When positive, the decoder may return a smaller image whose longest side is still at least this many pixels
    /// (JPEG decodes at 1/2, 1/4 or 1/8 scale, several times faster); <see cref="GrayImage.SourceWidth"/> keeps the
    /// file's size. 0 decodes at full size.
    /// </param>
    /// <exception cref="ImageDecodeException">Not an image this library reads, or damaged; the message names the file.</exception>
    public static GrayImage ReadGray(string path, int minLongestSide = 0) => DecodeGray(ReadFile(path), path, minLongestSide);

    /// <summary>Reads a file as 8-bit RGB (grey images repeated in all three channels, 16-bit scaled to 8).</summary>
    /// <inheritdoc cref="ReadGray" path="/param[@name='minLongestSide']"/>
    /// <exception cref="ImageDecodeException">Not an image this library reads, or damaged; the message names the file.</exception>
    public static RgbImage ReadRgb(string path, int minLongestSide = 0) => DecodeRgb(ReadFile(path), path, minLongestSide);

    /// <summary>Decodes an encoded image held in memory; <paramref name="source"/> names it in errors.</summary>
    /// <inheritdoc cref="ReadGray" path="/param[@name='minLongestSide']"/>
    /// <exception cref="ImageDecodeException">Not an image this library reads, or damaged.</exception>
    public static GrayImage DecodeGray(byte[] data, string source, int minLongestSide = 0)
    {
        ArgumentNullException.ThrowIfNull(data);
        return ImageFormats.Detect(data) switch
        {
            ImageFormat.Tiff => DecodeTiff(data, source).ToGray(),
            ImageFormat.Unknown => throw Unknown(data, source),
            _ => DecodeSkia(data, source, minLongestSide, gray: true).Gray!,
        };
    }

    /// <summary>Decodes an encoded image held in memory into RGB; <paramref name="source"/> names it in errors.</summary>
    /// <inheritdoc cref="ReadGray" path="/param[@name='minLongestSide']"/>
    /// <exception cref="ImageDecodeException">Not an image this library reads, or damaged.</exception>
    public static RgbImage DecodeRgb(byte[] data, string source, int minLongestSide = 0)
    {
        ArgumentNullException.ThrowIfNull(data);
        return ImageFormats.Detect(data) switch
        {
            ImageFormat.Tiff => DecodeTiff(data, source).ToRgb(),
            ImageFormat.Unknown => throw Unknown(data, source),
            _ => DecodeSkia(data, source, minLongestSide, gray: false).Rgb!,
        };
    }

    private static byte[] ReadFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return File.ReadAllBytes(path);
    }

    private static ImageDecodeException Unknown(byte[] data, string source) =>
        new(source, data.Length == 0 ? "the file is empty" : "not a JPEG, PNG, TIFF, BMP, GIF or WebP image (unrecognised first bytes)");

    private static (GrayImage? Gray, RgbImage? Rgb) DecodeSkia(byte[] data, string source, int minLongestSide, bool gray)
    {
        using var skData = SKData.CreateCopy(data);
        using var codec = SKCodec.Create(skData) ?? throw new ImageDecodeException(source, "damaged or unsupported image data");

        var full = codec.Info;
        if (full.Width <= 0 || full.Height <= 0)
        {
            throw new ImageDecodeException(source, "the image has no pixels");
        }

        var size = new SKSizeI(full.Width, full.Height);
        var longest = Math.Max(full.Width, full.Height);
        if (minLongestSide > 0 && minLongestSide < longest)
        {
            // JPEG decodes at n/8 of its size; take the smallest that is still large enough.
            for (var eighths = 1; eighths < 8; eighths++)
            {
                var scaled = codec.GetScaledDimensions(eighths / 8f);
                if (Math.Max(scaled.Width, scaled.Height) >= minLongestSide)
                {
                    size = scaled;
                    break;
                }
            }
        }

        var info = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
        {
            throw new ImageDecodeException(source, result == SKCodecResult.IncompleteInput ? "the image data is truncated" : $"decoding failed ({result})");
        }

        var pixels = bitmap.GetPixelSpan();
        var rowBytes = bitmap.RowBytes;
        if (gray)
        {
            var output = new float[size.Width * size.Height];
            for (var y = 0; y < size.Height; y++)
            {
                var row = pixels.Slice(y * rowBytes, size.Width * 4);
                var o = output.AsSpan(y * size.Width, size.Width);
                for (var x = 0; x < o.Length; x++)
                {
                    o[x] = ((0.299f * row[4 * x]) + (0.587f * row[(4 * x) + 1]) + (0.114f * row[(4 * x) + 2])) * (1f / 255f);
                }
            }

            return (new GrayImage(size.Width, size.Height, output, full.Width, full.Height), null);
        }
        else
        {
            var output = new byte[size.Width * size.Height * 3];
            for (var y = 0; y < size.Height; y++)
            {
                var row = pixels.Slice(y * rowBytes, size.Width * 4);
                var o = output.AsSpan(y * size.Width * 3, size.Width * 3);
                for (var x = 0; x < size.Width; x++)
                {
                    o[3 * x] = row[4 * x];
                    o[(3 * x) + 1] = row[(4 * x) + 1];
                    o[(3 * x) + 2] = row[(4 * x) + 2];
                }
            }

            return (null, new RgbImage(size.Width, size.Height, output, full.Width, full.Height));
        }
    }

    private static TiffPixels DecodeTiff(byte[] data, string source)
    {
        try
        {
            using var stream = new MemoryStream(data, writable: false);
            using var tiff = Tiff.ClientOpen(source, "r", stream, new TiffStream())
                ?? throw new ImageDecodeException(source, "not a readable TIFF");
            var width = tiff.GetField(TiffTag.IMAGEWIDTH)?[0].ToInt() ?? 0;
            var height = tiff.GetField(TiffTag.IMAGELENGTH)?[0].ToInt() ?? 0;
            if (width <= 0 || height <= 0)
            {
                throw new ImageDecodeException(source, "the TIFF has no image size");
            }

            var bits = tiff.GetFieldDefaulted(TiffTag.BITSPERSAMPLE)[0].ToInt();
            var samples = tiff.GetFieldDefaulted(TiffTag.SAMPLESPERPIXEL)[0].ToInt();
            var photometric = (Photometric)(tiff.GetField(TiffTag.PHOTOMETRIC)?[0].ToInt() ?? (int)Photometric.MINISBLACK);
            var format = (SampleFormat)tiff.GetFieldDefaulted(TiffTag.SAMPLEFORMAT)[0].ToInt();
            if (!tiff.IsTiled() && samples == 1 && (bits == 8 || bits == 16) && format == SampleFormat.UINT
                && photometric is Photometric.MINISBLACK or Photometric.MINISWHITE)
            {
                return ReadGrayScanlines(tiff, width, height, bits, photometric == Photometric.MINISWHITE, source);
            }

            // Everything else (colour, palette, tiled, 1/4-bit) through LibTiff's RGBA conversion, 8 bits per channel.
            var raster = new int[checked(width * height)];
            if (!tiff.ReadRGBAImageOriented(width, height, raster, Orientation.TOPLEFT))
            {
                throw new ImageDecodeException(source, $"unsupported TIFF layout ({bits}-bit, {samples} samples, {photometric})");
            }

            var rgb = new byte[width * height * 3];
            for (var i = 0; i < raster.Length; i++)
            {
                var abgr = raster[i];
                rgb[3 * i] = (byte)Tiff.GetR(abgr);
                rgb[(3 * i) + 1] = (byte)Tiff.GetG(abgr);
                rgb[(3 * i) + 2] = (byte)Tiff.GetB(abgr);
            }

            return new TiffPixels(width, height, null, rgb);
        }
        catch (TiffException e)
        {
            throw new ImageDecodeException(source, e.Message, e);
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException or InvalidOperationException or NullReferenceException or OverflowException or EndOfStreamException)
        {
            // LibTiff.NET reports some malformed files by running off its arrays.
            throw new ImageDecodeException(source, "damaged TIFF (" + e.GetType().Name + ")", e);
        }
    }

    private static TiffPixels ReadGrayScanlines(Tiff tiff, int width, int height, int bits, bool invert, string source)
    {
        var gray = new float[width * height];
        var line = new byte[tiff.ScanlineSize()];
        var scale = bits == 8 ? 1f / 255f : 1f / 65535f;
        for (var y = 0; y < height; y++)
        {
            if (!tiff.ReadScanline(line, y))
            {
                throw new ImageDecodeException(source, $"TIFF row {y} cannot be read");
            }

            var o = gray.AsSpan(y * width, width);
            if (bits == 8)
            {
                for (var x = 0; x < width; x++)
                {
                    o[x] = line[x] * scale;
                }
            }
            else
            {
                // LibTiff hands 16-bit samples over in the machine's byte order, whatever the file's.
                var samples = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(line.AsSpan(0, width * 2));
                for (var x = 0; x < width; x++)
                {
                    o[x] = samples[x] * scale;
                }
            }

            if (invert)
            {
                for (var x = 0; x < width; x++)
                {
                    o[x] = 1f - o[x];
                }
            }
        }

        return new TiffPixels(width, height, gray, null);
    }

    private sealed record TiffPixels(int Width, int Height, float[]? Gray, byte[]? Rgb)
    {
        public GrayImage ToGray()
        {
            if (Gray is not null)
            {
                return new GrayImage(Width, Height, Gray);
            }

            var gray = new float[Width * Height];
            for (var i = 0; i < gray.Length; i++)
            {
                gray[i] = ((0.299f * Rgb![3 * i]) + (0.587f * Rgb[(3 * i) + 1]) + (0.114f * Rgb[(3 * i) + 2])) * (1f / 255f);
            }

            return new GrayImage(Width, Height, gray);
        }

        public RgbImage ToRgb()
        {
            if (Rgb is not null)
            {
                return new RgbImage(Width, Height, Rgb);
            }

            var rgb = new byte[Width * Height * 3];
            for (var i = 0; i < Width * Height; i++)
            {
                var v = (byte)Math.Clamp((int)MathF.Round(Gray![i] * 255f), 0, 255);
                rgb[3 * i] = v;
                rgb[(3 * i) + 1] = v;
                rgb[(3 * i) + 2] = v;
            }

            return new RgbImage(Width, Height, rgb);
        }
    }

    private sealed class TiffException(string message) : Exception(message);

    private sealed class ThrowingTiffErrorHandler : TiffErrorHandler
    {
        public override void ErrorHandler(Tiff tif, string method, string format, params object[] args) =>
            throw new TiffException(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));

        public override void ErrorHandlerExt(Tiff tif, object clientData, string method, string format, params object[] args)
        {
        }

        public override void WarningHandler(Tiff tif, string method, string format, params object[] args)
        {
        }

        public override void WarningHandlerExt(Tiff tif, object clientData, string method, string format, params object[] args)
        {
        }
    }
}
