using System.Text.Json.Serialization;
using Idrp.Imaging;

namespace Idrp.Analysis.Sem;

/// <summary>
/// The microscope's info bar burnt in near the bottom of the image, cut off before analysis. With <see cref="Auto"/>
/// the bar is looked for in the bottom 30 % of the image — rows that are almost all one saturated grey (white or black
/// background of the text) — and the image is cut at its top edge; when no bar is found, or without
/// <see cref="Auto"/>, a number of rows of the file's image (<see cref="BottomPixels"/>) or a fraction of its height
/// (<see cref="BottomFraction"/>) is cut, the larger when both are given. Pixels refer to the file's size, so they stay
/// right when an image is decoded at reduced size. (The NFFA-Europe images carry a 60-row Zeiss bar at rows 630-690 of
/// 768, with image below it: a fixed bottom cut would keep it, the search does not.)
/// </summary>
public sealed record InfoBarCrop
{
    /// <summary>Search for the bar; cut 9 % when none is found.</summary>
    public static InfoBarCrop Default { get; } = new() { Auto = true, BottomFraction = 0.09 };

    /// <summary>Whether to search for the bar first.</summary>
    [JsonPropertyName("auto")]
    public bool Auto { get; init; }

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
        var keep = RowsToKeep(image.Width, image.Height, image.SourceHeight, (x, y) => image[x, y]);
        return keep == image.Height ? image : ImageOps.Crop(image, 0, 0, image.Width, keep);
    }

    public RgbImage Apply(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var p = image.Pixels;
        var w = image.Width;
        var keep = RowsToKeep(image.Width, image.Height, image.SourceHeight, (x, y) =>
        {
            var i = ((y * w) + x) * 3;
            return ((0.299f * p[i]) + (0.587f * p[i + 1]) + (0.114f * p[i + 2])) / 255f;
        });
        return keep == image.Height ? image : ImageOps.Crop(image, 0, 0, image.Width, keep);
    }

    /// <summary>Rows from the top that remain: above the detected bar, else above the fixed cut.</summary>
    internal int RowsToKeep(int width, int height, int sourceHeight, Func<int, int, float> pixel)
    {
        if (Auto && FindBar(width, height, pixel) is { } top)
        {
            return top;
        }

        return height - RowsToDrop(height, sourceHeight);
    }

    /// <summary>
    /// The first row of the bottom 30 % that starts three consecutive "bar rows": at least 90 % of the row at or above
    /// 0.92 (white) or at or below 0.04 (black). Scanning top-down finds the bar's upper edge even when image rows
    /// follow below it.
    /// </summary>
    internal static int? FindBar(int width, int height, Func<int, int, float> pixel)
    {
        var start = Math.Max(1, (int)(height * 0.7));
        var run = 0;
        for (var y = start; y < height; y++)
        {
            int white = 0, black = 0;
            for (var x = 0; x < width; x++)
            {
                var v = pixel(x, y);
                if (v >= 0.92f)
                {
                    white++;
                }
                else if (v <= 0.04f)
                {
                    black++;
                }
            }

            run = Math.Max(white, black) >= 0.9 * width ? run + 1 : 0;
            if (run == 3)
            {
                return y - 2;
            }
        }

        return null;
    }
}
