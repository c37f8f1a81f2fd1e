namespace Idrp.Imaging;

/// <summary>
/// A single-channel image: <see cref="Width"/> × <see cref="Height"/> intensities in [0, 1], row-major, row 0 at the top.
/// Mutable (the pixel array is shared, not copied); not thread-safe for writes.
/// </summary>
public sealed class GrayImage
{
    /// <summary>Wraps <paramref name="pixels"/> (at least width × height values, used in place).</summary>
    public GrayImage(int width, int height, float[] pixels, int sourceWidth = 0, int sourceHeight = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentOutOfRangeException.ThrowIfLessThan(pixels.Length, width * height, nameof(pixels));
        Width = width;
        Height = height;
        Pixels = pixels;
        SourceWidth = sourceWidth > 0 ? sourceWidth : width;
        SourceHeight = sourceHeight > 0 ? sourceHeight : height;
    }

    /// <summary>A black image.</summary>
    public GrayImage(int width, int height)
        : this(width, height, new float[checked(width * height)])
    {
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Intensities in [0, 1], row-major; may be longer than <see cref="Width"/> × <see cref="Height"/>.</summary>
    public float[] Pixels { get; }

    /// <summary>
    /// The size of the file's image before any decode-time reduction, so that crops given in the file's pixels (an info
    /// bar of 64 px at 1024×768) can be scaled to this buffer.
    /// </summary>
    public int SourceWidth { get; }

    /// <inheritdoc cref="SourceWidth"/>
    public int SourceHeight { get; }

    public Span<float> Row(int y) => Pixels.AsSpan(y * Width, Width);

    public float this[int x, int y]
    {
        get => Pixels[(y * Width) + x];
        set => Pixels[(y * Width) + x] = value;
    }
}

/// <summary>An 8-bit RGB image, interleaved R, G, B, row-major, row 0 at the top.</summary>
public sealed class RgbImage
{
    public RgbImage(int width, int height, byte[] pixels, int sourceWidth = 0, int sourceHeight = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentOutOfRangeException.ThrowIfLessThan(pixels.Length, width * height * 3, nameof(pixels));
        Width = width;
        Height = height;
        Pixels = pixels;
        SourceWidth = sourceWidth > 0 ? sourceWidth : width;
        SourceHeight = sourceHeight > 0 ? sourceHeight : height;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>R, G, B bytes per pixel, row-major.</summary>
    public byte[] Pixels { get; }

    /// <inheritdoc cref="GrayImage.SourceWidth"/>
    public int SourceWidth { get; }

    /// <inheritdoc cref="GrayImage.SourceWidth"/>
    public int SourceHeight { get; }
}

/// <summary>A file that is not an image this library reads, or a damaged one. The message names the file.</summary>
public sealed class ImageDecodeException : IOException
{
    public ImageDecodeException(string source, string reason, Exception? inner = null)
        : base($"cannot read image {source}: {reason}", inner)
    {
        Source = source;
        Reason = reason;
    }

    /// <summary>The file name (or archive entry) that failed.</summary>
    public new string Source { get; }

    public string Reason { get; }
}
