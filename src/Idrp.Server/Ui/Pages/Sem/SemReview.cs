using System.Text.Json;
using Idrp.Domain.Access;
using Idrp.Domain.Jobs;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Idrp.Server.Features.Sem;
using Microsoft.EntityFrameworkCore;

namespace Idrp.Server.Ui.Pages.Sem;

/// <summary>What the classification review page shows: the newest classification of a measurement and the model behind it.</summary>
internal sealed record SemReview(Job Job, SemClassifyResult Result, SemTrainResult? Training, Guid? TrainingMeasurementId)
{
    /// <summary>The newest successful sem.classify job of the measurement, with the training report of its model when it was trained here.</summary>
    public static async Task<SemReview?> LoadAsync(IdrpDbContext db, AccessRules rules, Guid measurementId, CancellationToken ct)
    {
        var job = await db.Jobs.AsNoTracking()
            .Where(j => j.TargetMeasurementId == measurementId && j.Type == SemClassifyJobType.ActivityName && j.State == JobState.Succeeded && j.Result != null)
            .OrderByDescending(j => j.FinishedAt).FirstOrDefaultAsync(ct);
        if (job is null || JsonSerializer.Deserialize<SemClassifyResult>(job.Result!, SemClassifyJobType.ResultJson) is not { } result)
        {
            return null;
        }

        var readable = db.DataAssets.AsNoTracking().Where(rules.CanReadDataAsset());
        var modelAsset = result.ModelAssetId is { } id ? await readable.FirstOrDefaultAsync(a => a.Id == id, ct) : null;
        if (modelAsset is null)
        {
            return new SemReview(job, result, null, null);
        }

        var trainJob = await db.Derivations.AsNoTracking().Where(d => d.OutputAssetId == modelAsset.Id && d.JobId != null)
            .Join(db.Jobs, d => d.JobId, j => j.Id, (d, j) => j.Result).FirstOrDefaultAsync(ct);
        var training = trainJob is null ? null : JsonSerializer.Deserialize<SemTrainResult>(trainJob, SemClassifyJobType.ResultJson);
        return new SemReview(job, result, training, modelAsset.MeasurementId);
    }
}
