namespace Idrp.Imaging;

/// <summary>The container formats this library decodes, recognised by their first bytes (never by file name).</summary>
public enum ImageFormat
{
    Unknown,
    Jpeg,
    Png,
    Tiff,
    Bmp,
    Gif,
    Webp,
}

/// <summary>Format sniffing from magic numbers.</summary>
public static class ImageFormats
{
    /// <summary>The format whose signature <paramref name="head"/> (the first 12 bytes or more) starts with.</summary>
    public static ImageFormat Detect(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF)
        {
            return ImageFormat.Jpeg;
        }

        if (head.Length >= 8 && head[..8].SequenceEqual(PngSignature))
        {
            return ImageFormat.Png;
        }

        if (head.Length >= 4 && ((head[0] == 'I' && head[1] == 'I' && (head[2] == 42 || head[2] == 43) && head[3] == 0)
                                 || (head[0] == 'M' && head[1] == 'M' && head[2] == 0 && (head[3] == 42 || head[3] == 43))))
        {
            return ImageFormat.Tiff;
        }

        if (head.Length >= 2 && head[0] == 'B' && head[1] == 'M')
        {
            return ImageFormat.Bmp;
        }

        if (head.Length >= 4 && head[0] == 'G' && head[1] == 'I' && head[2] == 'F' && head[3] == '8')
        {
            return ImageFormat.Gif;
        }

        if (head.Length >= 12 && head[..4].SequenceEqual("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8))
        {
            return ImageFormat.Webp;
        }

        return ImageFormat.Unknown;
    }

    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
}
