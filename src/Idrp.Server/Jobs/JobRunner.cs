using System.Text.Json;
using Idrp.Domain.Access;
using Idrp.Domain.Jobs;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Jobs;
using Idrp.Infrastructure.Persistence;
using Idrp.Infrastructure.Storage;
using Idrp.Server.Access;
using Idrp.Server.Auth;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Idrp.Server.Jobs;

/// <summary>
/// Runs one attempt of a job on this worker: claims the attempt, clears what earlier attempts left, checks the owner's
/// rights again, runs the job type with a heartbeat (progress, sign of life, cancel requests), and on success registers
/// the outputs and marks the job succeeded in one transaction that only the attempt that still owns the job can commit.
/// </summary>
internal sealed partial class JobRunner(
    IServiceScopeFactory scopes, JobTypeRegistry types, IBlobStore store, JobDispatcher dispatcher,
    IOptions<JobsOptions> options, TimeProvider clock, ILogger<JobRunner> logger)
{
    /// <summary>A running attempt whose heartbeat is younger than this is alive; a second firing leaves it alone.</summary>
    private TimeSpan StaleAfter => options.Value.HeartbeatInterval * 5 + TimeSpan.FromSeconds(5);

    public async Task RunAsync(Guid jobId, string worker, CancellationToken shutdown)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdrpDbContext>();
        var job = await db.Jobs.AsNoTracking().Include(j => j.Inputs).FirstOrDefaultAsync(j => j.Id == jobId, shutdown);
        if (job is null || job.State is not (JobState.Queued or JobState.Running))
        {
            return; // deleted, or finished by an earlier firing
        }

        var now = clock.GetUtcNow();
        if (job.State == JobState.Running && job.HeartbeatAt is { } beat && now - beat < StaleAfter)
        {
            // Another worker is alive and on it (a duplicate firing, or a recovery soon after a crash): look again later
            // rather than lose the job.
            await dispatcher.FireAgainAsync(jobId, StaleAfter, shutdown);
            return;
        }

        if (job.CancelRequested)
        {
            await FinishAsync(db, job.Id, job.Attempts, JobState.Cancelled, "Cancelled before it started.", shutdown);
            return;
        }

        if (job.Attempts >= job.MaxAttempts)
        {
            await CleanEarlierAttemptsAsync(db, job.Id, int.MaxValue, shutdown);
            await FinishAsync(db, job.Id, job.Attempts, JobState.Failed,
                $"Gave up after {job.Attempts} attempts: the workers running it stopped before it finished.", shutdown);
            return;
        }

        var attempt = job.Attempts + 1;
        var claimed = await db.Jobs
            .Where(j => j.Id == jobId && j.Attempts == job.Attempts && (j.State == JobState.Queued || j.State == JobState.Running))
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.Attempts, attempt)
                .SetProperty(j => j.State, JobState.Running)
                .SetProperty(j => j.StartedAt, j => j.StartedAt ?? now)
                .SetProperty(j => j.HeartbeatAt, now)
                .SetProperty(j => j.Worker, worker)
                .SetProperty(j => j.Progress, 0)
                .SetProperty(j => j.ProgressMessage, (string?)null), shutdown);
        if (claimed == 0)
        {
            return; // another worker claimed it first
        }

        var log = new JobLog(scopes, jobId, attempt, clock);
        await log.WriteAsync(JobLogLevel.Info, attempt == 1 ? $"Started on {worker}." : $"Attempt {attempt} started on {worker}.", shutdown);
        await CleanEarlierAttemptsAsync(db, jobId, attempt, shutdown);

        var type = types.Find(job.Type);
        if (type is null)
        {
            await FailAsync(db, job, attempt, log, $"This worker does not know the job type '{job.Type}'.", shutdown);
            return;
        }

        // The owner's rights, checked again now: they may have lost access since they submitted.
        var (actor, denial) = await CheckAccessAsync(scope.ServiceProvider, job, shutdown);
        if (denial is not null)
        {
            await FailAsync(db, job, attempt, log, denial, shutdown);
            return;
        }

        scope.ServiceProvider.GetRequiredService<ChangeContext>().ActorId = actor!.PersonId;
        var workRoot = options.Value.WorkDirectory ?? Path.Combine(scope.ServiceProvider.GetRequiredService<IOptions<Hosting.IdrpOptions>>().Value.DataDirectory, "work");
        var workDirectory = Path.GetFullPath(Path.Combine(workRoot, $"{jobId:N}-{attempt}"));
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        var inputs = await db.DataAssets.AsNoTracking()
            .Where(a => job.Inputs.Select(i => i.AssetId).Contains(a.Id))
            .OrderBy(a => a.RelativePath).ThenBy(a => a.DataAssetName)
            .ToListAsync(shutdown);
        var context = new JobContext(job, attempt, inputs, workDirectory, store, scope.ServiceProvider.GetRequiredService<ArchiveLinks>(), log, scopes, cancel.Token);
        var heartbeat = HeartbeatAsync(context, cancel);
        try
        {
            Directory.CreateDirectory(workDirectory);
            await type.RunAsync(context, cancel.Token);
            await context.FlushLogAsync();
            await CommitAsync(db, job, attempt, type, context, log, shutdown);
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            // The process is stopping: Quartz hands the firing back for recovery; the next attempt cleans up.
            await log.WriteAsync(JobLogLevel.Warning, "Interrupted: the worker is shutting down; another attempt will follow.", CancellationToken.None);
            throw;
        }
        catch (OperationCanceledException) when (context.CancelRequested || context.LostOwnership)
        {
            await CleanEarlierAttemptsAsync(db, jobId, attempt + 1, CancellationToken.None);
            if (!context.LostOwnership)
            {
                await log.WriteAsync(JobLogLevel.Info, "Cancelled.", CancellationToken.None);
                await FinishAsync(db, jobId, attempt, JobState.Cancelled, null, CancellationToken.None);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !shutdown.IsCancellationRequested)
        {
            var message = e is JobFailedException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            if (e is not JobFailedException)
            {
                LogJobCrashed(logger, e, jobId, job.Type);
            }

            await FailAsync(db, job, attempt, log, message, CancellationToken.None);
        }
        finally
        {
            await cancel.CancelAsync();
            await heartbeat;
            TryDelete(workDirectory);
        }
    }

    /// <summary>Checks that the owner may still read every input and write the target measurement.</summary>
    public static async Task<(Actor? Actor, string? Denial)> CheckAccessAsync(IServiceProvider services, Job job, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<IdrpDbContext>();
        var owner = await db.People.AsNoTracking().Where(p => p.Id == job.OwnerId).Select(p => new { p.IsAdmin }).FirstOrDefaultAsync(cancellationToken);
        if (owner is null)
        {
            return (null, "The person who submitted the job no longer exists.");
        }

        var actor = new Actor(job.OwnerId, owner.IsAdmin, TokenScope.ReadWrite);
        services.GetRequiredService<CurrentActor>().RunAs(actor);
        var access = services.GetRequiredService<AccessService>();
        if (await access.ForProposalAsync(job.ProposalId, cancellationToken) < ProposalAccess.Member)
        {
            return (actor, "The job's owner may no longer write to the target measurement.");
        }

        var ids = job.Inputs.Select(i => i.AssetId).ToList();
        var readable = await db.DataAssets.Where(access.Rules.CanReadDataAsset()).CountAsync(a => ids.Contains(a.Id), cancellationToken);
        return readable == ids.Count ? (actor, null) : (actor, "The job's owner may no longer read all of its inputs.");
    }

    /// <summary>Every heartbeat: a sign of life with the latest progress, and a look for a cancel request.</summary>
    private async Task HeartbeatAsync(JobContext context, CancellationTokenSource cancel)
    {
        using var timer = new PeriodicTimer(options.Value.HeartbeatInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(cancel.Token))
            {
                try
                {
                    if (await BeatAsync(context, cancel.Token))
                    {
                        await cancel.CancelAsync();
                        return;
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A database hiccup must not kill the job; the next heartbeat tries again, and recovery covers the rest.
                    LogHeartbeatFailed(logger, e, context.JobId);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // the attempt ended
        }
    }

    /// <summary>One heartbeat; true when the attempt must stop (cancel requested, or another attempt owns the job).</summary>
    private async Task<bool> BeatAsync(JobContext context, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdrpDbContext>();
        var (fraction, message) = context.Progress;
        var alive = await db.Jobs
            .Where(j => j.Id == context.JobId && j.Attempts == context.Attempt && j.State == JobState.Running)
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.HeartbeatAt, clock.GetUtcNow())
                .SetProperty(j => j.Progress, fraction)
                .SetProperty(j => j.ProgressMessage, message), cancellationToken);
        await context.FlushLogAsync();
        if (alive == 0)
        {
            context.LostOwnership = true;
            return true;
        }

        if (await db.Jobs.AnyAsync(j => j.Id == context.JobId && j.CancelRequested, cancellationToken))
        {
            context.CancelRequested = true;
            return true;
        }

        return false;
    }

    /// <summary>Registers the outputs and marks the job succeeded, if this attempt still owns it.</summary>
    private async Task CommitAsync(IdrpDbContext db, Job job, int attempt, IJobType type, JobContext context, JobLog log, CancellationToken cancellationToken)
    {
        var outputs = await db.JobOutputs.Where(o => o.JobId == job.Id && o.Attempt == attempt).ToListAsync(cancellationToken);
        var measurement = await db.Measurements.AsNoTracking().FirstAsync(m => m.Id == job.TargetMeasurementId, cancellationToken);

        // Bytes first, then the records: a record never claims data that is not stored. If the transaction below loses,
        // the blobs are removed again; if this process dies in between, the next attempt removes them.
        foreach (var output in outputs)
        {
            await store.CommitAsync(output.StagingKey, BlobKeys.ForAsset(output.Id), cancellationToken);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var finished = clock.GetUtcNow();
        var won = await db.Jobs
            .Where(j => j.Id == job.Id && j.Attempts == attempt && j.State == JobState.Running && !j.CancelRequested)
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.State, JobState.Succeeded)
                .SetProperty(j => j.FinishedAt, finished)
                .SetProperty(j => j.HeartbeatAt, finished)
                .SetProperty(j => j.Progress, 1)
                .SetProperty(j => j.ProgressMessage, "Done")
                .SetProperty(j => j.Result, context.ResultJson), cancellationToken);
        if (won == 0)
        {
            await transaction.RollbackAsync(cancellationToken);
            foreach (var output in outputs)
            {
                await store.DeleteAsync(BlobKeys.ForAsset(output.Id), CancellationToken.None);
            }

            db.JobOutputs.RemoveRange(outputs);
            await db.SaveChangesAsync(CancellationToken.None);
            var cancelled = await db.Jobs.AnyAsync(j => j.Id == job.Id && j.Attempts == attempt && j.CancelRequested && j.State == JobState.Running, CancellationToken.None);
            if (cancelled)
            {
                await log.WriteAsync(JobLogLevel.Info, "Cancelled just before its outputs were registered; they were discarded.", CancellationToken.None);
                await FinishAsync(db, job.Id, attempt, JobState.Cancelled, null, CancellationToken.None);
            }

            return;
        }

        foreach (var output in outputs)
        {
            var asset = new DataAsset
            {
                Id = output.Id,
                MeasurementId = measurement.Id,
                ProposalId = measurement.ProposalId,
                DataAssetName = output.Name,
                RelativePath = output.RelativePath,
                DataSize = output.Size,
                DataChecksum = output.Sha256,
                Md5 = output.Md5,
                MediaType = output.MediaType,
                Storage = StorageKind.Stored,
                State = AssetState.Complete,
                BlobKey = BlobKeys.ForAsset(output.Id),
                DateOfCollection = finished,
            };
            db.DataAssets.Add(asset);
            var derivation = new Derivation
            {
                ProposalId = measurement.ProposalId,
                OutputAssetId = asset.Id,
                Activity = type.Name,
                ActivityVersion = job.TypeVersion,
                Parameters = job.Parameters,
                AgentId = job.OwnerId,
                JobId = job.Id,
            };
            derivation.Inputs.AddRange(JsonSerializer.Deserialize<List<Guid>>(output.DerivedFrom)!.Select(id => new DerivationInput { AssetId = id }));
            db.Derivations.Add(derivation);
        }

        if (context.Categories.Count > 0)
        {
            var tagged = await db.Measurements.FirstAsync(m => m.Id == measurement.Id, cancellationToken);
            var source = $"model:{type.Name}@{job.TypeVersion}";
            var schemes = context.Categories.Select(c => c.Scheme).ToHashSet(StringComparer.Ordinal);
            tagged.Categories = [
                .. tagged.Categories.Where(c => !(c.Source == source && schemes.Contains(c.Scheme))),
                .. context.Categories.Select(c => new CategoryTag { Scheme = c.Scheme, Value = c.Value, Source = source, Confidence = c.Confidence }),
            ];
        }

        if (context.AssetCategories.Count > 0)
        {
            await TagAssetsAsync(db, type, job, context, cancellationToken);
        }

        db.JobOutputs.RemoveRange(outputs);
        // In the same transaction, so that whoever sees the job succeeded also finds this line.
        db.JobLog.Add(new JobLogEntry
        {
            JobId = job.Id,
            Attempt = attempt,
            At = finished,
            Message = outputs.Count == 0 ? "Succeeded." : $"Succeeded; {outputs.Count} output(s) registered.",
        });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Per-asset categories: the assets' earlier model tags in each scheme give way; people's stay.</summary>
    private static async Task TagAssetsAsync(IdrpDbContext db, IJobType type, Job job, JobContext context, CancellationToken cancellationToken)
    {
        var tags = context.AssetCategories.GroupBy(c => (c.AssetId, c.Scheme)).Select(g => g.Last()).ToList();
        var assetIds = tags.Select(t => t.AssetId).Distinct().ToList();
        var schemes = tags.Select(t => t.Scheme).Distinct().ToList();
        var assets = await db.DataAssets.AsNoTracking().Where(a => assetIds.Contains(a.Id))
            .Select(a => new { a.Id, a.MeasurementId, a.ProposalId }).ToDictionaryAsync(a => a.Id, cancellationToken);
        var earlier = await db.AssetCategories.Where(c => assetIds.Contains(c.DataAssetId) && schemes.Contains(c.Scheme)
            && c.Source.StartsWith(AssetCategory.ModelPrefix)).ToListAsync(cancellationToken);
        db.AssetCategories.RemoveRange(earlier);
        foreach (var tag in tags)
        {
            if (!assets.TryGetValue(tag.AssetId, out var asset))
            {
                continue; // deleted while the job ran
            }

            db.AssetCategories.Add(new AssetCategory
            {
                ProposalId = asset.ProposalId,
                MeasurementId = asset.MeasurementId,
                DataAssetId = asset.Id,
                Scheme = tag.Scheme,
                Value = tag.Value,
                Source = AssetCategory.ModelPrefix + (tag.Model ?? $"{type.Name}@{job.TypeVersion}"),
                Confidence = tag.Confidence,
            });
        }
    }

    private async Task FailAsync(IdrpDbContext db, Job job, int attempt, JobLog log, string message, CancellationToken cancellationToken)
    {
        try
        {
            await CleanEarlierAttemptsAsync(db, job.Id, attempt + 1, cancellationToken);
        }
        catch (Exception e) when (e is IOException or Amazon.S3.AmazonS3Exception or UnauthorizedAccessException)
        {
            // The job fails either way; what is left staged is removed by the next attempt or stays findable in job_outputs.
            LogCleanupFailed(logger, e, job.Id);
        }

        await log.WriteAsync(JobLogLevel.Error, message, cancellationToken);
        await FinishAsync(db, job.Id, attempt, JobState.Failed, message, cancellationToken);
    }

    private async Task FinishAsync(IdrpDbContext db, Guid jobId, int attempt, JobState state, string? error, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await db.Jobs
            .Where(j => j.Id == jobId && j.Attempts == attempt && (j.State == JobState.Queued || j.State == JobState.Running))
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.State, state)
                .SetProperty(j => j.FinishedAt, now)
                .SetProperty(j => j.Error, error == null ? null : error.Length > 2000 ? error[..2000] : error), cancellationToken);
    }

    /// <summary>Deletes the staged (and possibly already committed) bytes of attempts before <paramref name="beforeAttempt"/>.</summary>
    private async Task CleanEarlierAttemptsAsync(IdrpDbContext db, Guid jobId, int beforeAttempt, CancellationToken cancellationToken)
    {
        var stale = await db.JobOutputs.Where(o => o.JobId == jobId && o.Attempt < beforeAttempt).ToListAsync(cancellationToken);
        if (stale.Count == 0)
        {
            return;
        }

        foreach (var output in stale)
        {
            await store.DeleteStagingAsync(output.StagingKey, cancellationToken);
            // A crash between committing the bytes and the records leaves the blob under the asset's key, with no record.
            if (!await db.DataAssets.AnyAsync(a => a.Id == output.Id, cancellationToken))
            {
                await store.DeleteAsync(BlobKeys.ForAsset(output.Id), cancellationToken);
            }
        }

        db.JobOutputs.RemoveRange(stale);
        await db.SaveChangesAsync(cancellationToken);
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // scratch space; the next start's sweep of the work folder removes it
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId} of type {JobType} crashed")]
    private static partial void LogJobCrashed(ILogger logger, Exception exception, Guid jobId, string jobType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removing the staged outputs of job {JobId} failed")]
    private static partial void LogCleanupFailed(ILogger logger, Exception exception, Guid jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Heartbeat of job {JobId} failed")]
    private static partial void LogHeartbeatFailed(ILogger logger, Exception exception, Guid jobId);
}
