using Idrp.Domain.Jobs;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Jobs;
using Idrp.Infrastructure.Persistence;
using Idrp.Infrastructure.Storage;
using Idrp.Server.Features.Fixity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Quartz;

namespace Idrp.Server.Jobs;

/// <summary>The platform's own recurring work, scheduled in Quartz like everything else so that one node of a cluster does each run.</summary>
internal static class MaintenanceJobs
{
    public static void Schedule(IQuartzBuilder quartz, JobsOptions options)
    {
        quartz.ScheduleJob<SweepJobs>(t => t.WithIdentity("sweep-jobs", "idrp-maintenance")
            .WithSimpleSchedule(s => s.WithInterval(TimeSpan.FromSeconds(30)).RepeatForever()));
        if (!string.IsNullOrWhiteSpace(options.FixitySchedule))
        {
            quartz.ScheduleJob<ScheduledFixity>(t => t.WithIdentity("scheduled-fixity", "idrp-maintenance").WithCronSchedule(options.FixitySchedule));
        }

        if (!string.IsNullOrWhiteSpace(options.UploadCleanupSchedule))
        {
            quartz.ScheduleJob<ExpiredUploads>(t => t.WithIdentity("expired-uploads", "idrp-maintenance").WithCronSchedule(options.UploadCleanupSchedule));
        }
    }
}

/// <summary>
/// Dispatches queued jobs Quartz does not hold (the server stopped between saving a job and handing it to Quartz) and
/// running jobs whose worker went silent without Quartz noticing.
/// </summary>
[DisallowConcurrentExecution]
internal sealed class SweepJobs(IdrpDbContext db, JobDispatcher dispatcher, IOptions<JobsOptions> options, TimeProvider clock) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var queuedBefore = now - TimeSpan.FromSeconds(30);
        var silentBefore = now - (options.Value.HeartbeatInterval * 5 + options.Value.ClusterCheckinMisfireThreshold + TimeSpan.FromSeconds(60));
        var candidates = await db.Jobs.AsNoTracking()
            .Where(j => (j.State == JobState.Queued && j.UpdatedAt < queuedBefore) || (j.State == JobState.Running && j.HeartbeatAt < silentBefore))
            .OrderBy(j => j.Id).Select(j => j.Id).Take(500).ToListAsync(cancellationToken);
        foreach (var id in candidates)
        {
            if (!await dispatcher.IsDispatchedAsync(id, cancellationToken))
            {
                await dispatcher.DispatchAsync(id, TimeSpan.Zero, cancellationToken);
            }
        }
    }
}

/// <summary>Re-reads the data least recently checked, a batch per run, and notes the outcome on each asset.</summary>
[DisallowConcurrentExecution]
internal sealed partial class ScheduledFixity(
    IdrpDbContext db, IBlobStore store, ArchiveLinks archives, IHttpClientFactory httpClients, IOptions<JobsOptions> options, TimeProvider clock,
    ILogger<ScheduledFixity> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var assets = await db.DataAssets.AsNoTracking()
            .Where(a => a.State == AssetState.Complete)
            .OrderBy(a => a.FixityCheckedAt.HasValue).ThenBy(a => a.FixityCheckedAt).ThenBy(a => a.Id)
            .Take(options.Value.FixityBatchSize)
            .ToListAsync(cancellationToken);
        var http = httpClients.CreateClient(FixityCheck.HttpClientName);
        var results = new List<FixityAssetResult>(assets.Count);
        foreach (var asset in assets)
        {
            var result = await FixityCheck.CheckAsync(asset, store, archives, http, cancellationToken);
            results.Add(result);
            if (result.Status is FixityStatus.Mismatch or FixityStatus.Missing)
            {
                LogDamaged(logger, asset.Id, asset.MeasurementId, result.Status);
            }
        }

        await FixityCheck.RecordAsync(db, results, clock.GetUtcNow(), cancellationToken);
        var counts = FixityCheck.Count(results);
        LogDone(logger, counts.Checked, counts.Ok, counts.Mismatch, counts.Missing, counts.Unverifiable);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduled fixity check: data asset {AssetId} of measurement {MeasurementId} is {Status}")]
    private static partial void LogDamaged(ILogger logger, Guid assetId, Guid measurementId, FixityStatus status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scheduled fixity check: {Checked} assets, {Ok} ok, {Mismatch} mismatched, {Missing} missing, {Unverifiable} unverifiable")]
    private static partial void LogDone(ILogger logger, int @checked, int ok, int mismatch, int missing, int unverifiable);
}

/// <summary>Ends uploads past their expiry that nobody is writing to, and frees their staged bytes.</summary>
[DisallowConcurrentExecution]
internal sealed partial class ExpiredUploads(IdrpDbContext db, IBlobStore store, TimeProvider clock, ILogger<ExpiredUploads> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var expired = await db.Uploads.AsNoTracking()
            .Where(u => u.State == UploadState.Active && u.ExpiresAt <= now && (u.LeaseUntil == null || u.LeaseUntil < now))
            .Select(u => new { u.Id, u.StagingKey }).Take(1000).ToListAsync(cancellationToken);
        var ended = 0;
        foreach (var upload in expired)
        {
            // Conditional, so that a client that took the lease in the meantime keeps its upload.
            var changed = await db.Uploads
                .Where(u => u.Id == upload.Id && u.State == UploadState.Active && (u.LeaseUntil == null || u.LeaseUntil < now))
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.State, UploadState.Failed).SetProperty(u => u.Failure, "The upload expired; start it again."), cancellationToken);
            if (changed == 1)
            {
                await store.DeleteStagingAsync(upload.StagingKey, cancellationToken);
                ended++;
            }
        }

        if (ended > 0)
        {
            LogEnded(logger, ended);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ended {Count} expired uploads and freed their staged bytes")]
    private static partial void LogEnded(ILogger logger, int count);
}
