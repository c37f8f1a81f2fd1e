using Idrp.Domain.Model;
using Idrp.Server.Jobs;
using Microsoft.Extensions.Options;

namespace Idrp.Server.Features.Previews;

/// <summary>Previews made without being asked (section "Previews").</summary>
public sealed class PreviewOptions
{
    public const string Section = "Previews";

    /// <summary>Queue a thumbnails job, as the uploader, for the images of every finished upload or batch (default on).</summary>
    public bool ThumbnailsOnUpload { get; set; } = true;
}

/// <summary>
/// Images get their thumbnail when their bytes arrive: one <see cref="ThumbnailJobType"/> job per finished upload or
/// batch, owned by the uploader, so the thumbnail is an ordinary derived asset with provenance, made by a worker, and
/// the upload answers without waiting for it. A job that cannot be queued never fails the upload.
/// </summary>
internal sealed class AutomaticThumbnails(JobService jobs, IOptions<PreviewOptions> options, ILogger<AutomaticThumbnails> logger)
{
    public async Task RequestAsync(Guid measurementId, IEnumerable<DataAsset> completed, CancellationToken cancellationToken)
    {
        if (!options.Value.ThumbnailsOnUpload)
        {
            return;
        }

        var images = completed.Where(a => ThumbnailJobType.IsImage(a.DataAssetName, a.RelativePath, a.MediaType)).Select(a => a.Id).ToList();
        if (images.Count == 0)
        {
            return;
        }

        try
        {
            var outcome = await jobs.SubmitAsync(new JobSubmission(ThumbnailJobType.ActivityName, measurementId, images, null), cancellationToken);
            if (outcome.Problem is not null)
            {
                logger.LogWarning("No thumbnails for {Count} images of measurement {MeasurementId}: the job was refused", images.Count, measurementId);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "No thumbnails for {Count} images of measurement {MeasurementId}: the job could not be queued", images.Count, measurementId);
        }
    }
}
