using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using Idrp.Domain.Jobs;
using Idrp.Imaging;

namespace Idrp.Server.Features.Previews;

public sealed class ThumbnailParameters
{
    /// <summary>Longest side of each thumbnail, in pixels.</summary>
    [Range(32, 2048)]
    public int Size { get; set; } = 256;
}

/// <summary>
/// Thumbnails of a measurement's images (TIFF, including 16-bit SEM images, JPEG, PNG, BMP) as PNG data assets under
/// "previews/", each derived from its image. Files that are not images are skipped and named in the log.
/// </summary>
internal sealed class ThumbnailJobType : JobType<ThumbnailParameters>
{
    /// <summary>The folder thumbnails are written to; the web UI looks for an image's thumbnail there.</summary>
    public const string Folder = "previews";

    /// <summary>Images larger than this are not read into memory for a thumbnail.</summary>
    private const long MaxImageBytes = 512L << 20;

    private static readonly string[] ImageExtensions = [".tif", ".tiff", ".jpg", ".jpeg", ".png", ".bmp"];

    /// <summary>The job type's name, which is also the activity of every thumbnail's derivation.</summary>
    public const string ActivityName = "thumbnails";

    public override string Name => ActivityName;

    public override string Version => "1";

    public override string Description => "Make a PNG thumbnail of every image (TIFF, JPEG, PNG) of a measurement, under previews/.";

    public static string ThumbnailName(string imageName) => imageName + ".png";

    protected override async Task RunAsync(IJobContext context, ThumbnailParameters parameters, CancellationToken cancellationToken)
    {
        var images = context.Inputs.Where(IsImage).ToList();
        int made = 0, skipped = 0;
        foreach (var (image, index) in images.Select((image, index) => (image, index)))
        {
            context.ReportProgress((double)index / Math.Max(1, images.Count), $"Thumbnail of {image.Name} ({index + 1} of {images.Count})");
            if (image.Size > MaxImageBytes)
            {
                context.Log($"{image.Path}: larger than {MaxImageBytes >> 20} MiB, skipped.", JobLogLevel.Warning);
                skipped++;
                continue;
            }

            byte[] bytes;
            await using (var source = await context.OpenInputAsync(image, cancellationToken))
            using (var buffer = new MemoryStream())
            {
                await source.CopyToAsync(buffer, cancellationToken);
                bytes = buffer.ToArray();
            }

            using var png = new MemoryStream();
            try
            {
                ImageEncoder.WriteThumbnailPng(bytes, image.Path, png, parameters.Size);
            }
            catch (ImageDecodeException e)
            {
                context.Log($"{image.Path}: {e.Message}", JobLogLevel.Warning);
                skipped++;
                continue;
            }

            png.Position = 0;
            var folder = image.RelativePath.Length == 0 ? Folder : Folder + "/" + image.RelativePath;
            await context.AddOutputAsync(ThumbnailName(image.Name), png, "image/png", [image], folder, cancellationToken);
            made++;
        }

        context.SetResult(new JsonObject { ["thumbnails"] = made, ["skipped"] = skipped, ["notImages"] = context.Inputs.Count - images.Count });
    }

    private static bool IsImage(JobInputAsset asset) => IsImage(asset.Name, asset.RelativePath, asset.MediaType);

    /// <summary>An image this type makes thumbnails of (by media type or extension), and not itself a preview.</summary>
    public static bool IsImage(string name, string relativePath, string? mediaType) =>
        !relativePath.StartsWith(Folder, StringComparison.Ordinal)
        && (mediaType?.StartsWith("image/", StringComparison.OrdinalIgnoreCase) == true
            || ImageExtensions.Contains(Path.GetExtension(name), StringComparer.OrdinalIgnoreCase));
}
