using System.Text.Json.Serialization;
using Idrp.Imaging;

namespace Idrp.Analysis.Sem;

/// <summary>
/// The microscope's info bar burnt in at the bottom of the image, cut off before analysis: a number of rows of the
/// file's image (<see cref="BottomPixels"/>) or a fraction of its height (<see cref="BottomFraction"/>); when both
/// are given the larger cut wins. Pixels refer to the file's size, so they stay right when an image is decoded at reduced size.
/// </summary>
public sealed record InfoBarCrop
{
    /// <summary>The NFFA-Europe images: 1024×768 with a Zeiss/TASC bar of about 60 rows; 9 % also covers FEI bars.</summary>
    public static InfoBarCrop Default { get; } = new() { BottomFraction = 0.09 };

    public static InfoBarCrop None { get; } = new();

    /// <summary>Rows of the original image to drop at the bottom (0 or more).</summary>
    [JsonPropertyName("bottomPixels")]
    public int BottomPixels { get; init; }

    /// <summary>Fraction of the height to drop at the bottom, 0 to 0.5.</summary>
    [JsonPropertyName("bottomFraction")]
    public double BottomFraction { get; init; }

    /// <summary>Throws when the values are out of range.</summary>
    public void Validate()
    {
        if (BottomPixels < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(BottomPixels), BottomPixels, "The info bar crop in pixels must not be negative.");
        }

        if (BottomFraction is < 0 or > 0.5 || double.IsNaN(BottomFraction))
        {
            throw new ArgumentOutOfRangeException(nameof(BottomFraction), BottomFraction, "The info bar crop fraction must be between 0 and 0.5.");
        }
    }

    /// <summary>Rows to drop from a buffer of <paramref name="height"/> rows decoded from a file <paramref name="sourceHeight"/> rows high.</summary>
    public int RowsToDrop(int height, int sourceHeight)
    {
        var byPixels = sourceHeight > 0 ? (int)Math.Ceiling((double)BottomPixels * height / sourceHeight) : BottomPixels;
        var byFraction = (int)Math.Ceiling(BottomFraction * height);
        return Math.Clamp(Math.Max(byPixels, byFraction), 0, height - 1);
    }

    public GrayImage Apply(GrayImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var drop = RowsToDrop(image.Height, image.SourceHeight);
        return drop == 0 ? image : ImageOps.Crop(image, 0, 0, image.Width, image.Height - drop);
    }

    public RgbImage Apply(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var drop = RowsToDrop(image.Height, image.SourceHeight);
        return drop == 0 ? image : ImageOps.Crop(image, 0, 0, image.Width, image.Height - drop);
    }
}
