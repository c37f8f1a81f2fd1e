using System.Text.Json;
using Idrp.Domain.Access;
using Idrp.Domain.Jobs;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Jobs;
using Idrp.Infrastructure.Persistence;
using Idrp.Server.Access;
using Idrp.Server.Api;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Idrp.Server.Jobs;

/// <summary>A job to submit: its type, the measurement its outputs go to, optional inputs and parameters.</summary>
public sealed record JobSubmission(string Type, Guid MeasurementId, IReadOnlyList<Guid>? Inputs, JsonElement? Parameters);

/// <summary>A job, or the problem that stopped the request.</summary>
internal readonly record struct JobOutcome(Job? Job, ProblemHttpResult? Problem)
{
    public static implicit operator JobOutcome(Job job) => new(job, null);

    public static implicit operator JobOutcome(ProblemHttpResult problem) => new(null, problem);
}

/// <summary>
/// Submitting, cancelling and retrying jobs for the current actor (API and UI both call this). Submission checks that the
/// actor may read every input and write the target measurement; the worker checks again when the job runs.
/// </summary>
internal sealed class JobService(
    IdrpDbContext db, AccessService access, JobTypeRegistry types, JobDispatcher dispatcher, IOptions<JobsOptions> options, TimeProvider clock,
    ILogger<JobService> logger)
{
    /// <summary>Jobs the actor may see: their own, and every job of proposals they are an insider of.</summary>
    public IQueryable<Job> Visible()
    {
        var me = access.Actor.PersonId;
        var insiderProposals = db.Proposals.Where(access.Rules.IsInsider()).Select(p => p.Id);
        return access.Actor.IsAdmin
            ? db.Jobs
            : db.Jobs.Where(j => j.OwnerId == me || insiderProposals.Contains(j.ProposalId));
    }

    public async Task<JobOutcome> SubmitAsync(JobSubmission submission, CancellationToken cancellationToken)
    {
        var type = types.Find(submission.Type);
        if (type is null)
        {
            var known = string.Join(", ", types.All.Select(t => t.Name).Order(StringComparer.Ordinal));
            return Problems.Invalid("type", $"There is no job type '{submission.Type}'. Known types: {known}.");
        }

        var measurement = await db.Measurements.Where(access.Rules.CanReadMeasurement()).AsNoTracking()
            .Select(m => new { m.Id, m.ProposalId }).FirstOrDefaultAsync(m => m.Id == submission.MeasurementId, cancellationToken);
        if (measurement is null)
        {
            return Problems.NotFound("measurement", submission.MeasurementId);
        }

        if (await access.DenyUnlessAsync(measurement.ProposalId, ProposalAccess.Member, "run jobs that write into this measurement", cancellationToken) is { } denied)
        {
            return denied;
        }

        var (parameters, errors) = JobTypeRegistry.Validate(type, submission.Parameters);
        List<Guid> inputs;
        if (submission.Inputs is { Count: > 0 } named)
        {
            if (type.Inputs == JobInputs.Measurement)
            {
                errors["inputs"] = [$"The job type '{type.Name}' works on the whole measurement and takes no named inputs."];
                inputs = [];
            }
            else
            {
                inputs = [.. named.Distinct()];
                var found = await db.DataAssets.Where(access.Rules.CanReadDataAsset()).AsNoTracking()
                    .Where(a => inputs.Contains(a.Id)).Select(a => new { a.Id, a.State }).ToListAsync(cancellationToken);
                var missing = inputs.Except(found.Select(f => f.Id)).ToList();
                if (missing.Count > 0)
                {
                    errors["inputs"] = [$"No data asset you may read has the id {string.Join(", ", missing)}."];
                }
                else if (found.FirstOrDefault(f => f.State != AssetState.Complete) is { } pending)
                {
                    errors["inputs"] = [$"The data asset {pending.Id} has no data yet (its upload is unfinished)."];
                }
            }
        }
        else
        {
            inputs = await db.DataAssets.AsNoTracking()
                .Where(a => a.MeasurementId == measurement.Id && a.State == AssetState.Complete)
                .Select(a => a.Id).ToListAsync(cancellationToken);
            if (inputs.Count == 0)
            {
                errors["inputs"] = ["The measurement has no data assets with data to work on."];
            }
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var job = new Job
        {
            Type = type.Name,
            TypeVersion = type.Version,
            Parameters = parameters!,
            OwnerId = access.Actor.PersonId!.Value,
            ProposalId = measurement.ProposalId,
            TargetMeasurementId = measurement.Id,
            State = JobState.Queued,
            MaxAttempts = Math.Max(1, options.Value.MaxAttempts),
        };
        job.Inputs.AddRange(inputs.Select(id => new JobInput { JobId = job.Id, AssetId = id }));
        db.Jobs.Add(job);
        await db.SaveChangesAsync(cancellationToken);

        // After the commit: a job Quartz fires must exist. Should this call fail, the sweep dispatches the job later.
        await DispatchAsync(job.Id, cancellationToken);
        return job;
    }

    /// <summary>
    /// Hands a committed, queued job to Quartz. Should Quartz fail now (its store busy, a deadlock on its locks), the
    /// job stays queued in its record and the sweep (every 30 s) dispatches it: the caller's
    /// request has succeeded either way.
    /// </summary>
    private async Task DispatchAsync(Guid id, CancellationToken cancellationToken)
    {
        try
        {
            await dispatcher.DispatchAsync(id, TimeSpan.Zero, cancellationToken);
        }
        catch (Quartz.SchedulerException e)
        {
            logger.LogWarning(e, "Job {JobId} is queued; Quartz could not take it now, so the sweep will", id);
        }
    }

    public async Task<JobOutcome> CancelAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await FindForChangeAsync(id, "cancel", cancellationToken) is not { } found)
        {
            return Problems.NotFound("job", id);
        }

        if (found.Problem is { } problem)
        {
            return problem;
        }

        var now = clock.GetUtcNow();
        var dequeued = await db.Jobs.Where(j => j.Id == id && j.State == JobState.Queued)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.State, JobState.Cancelled).SetProperty(j => j.CancelRequested, true).SetProperty(j => j.FinishedAt, now), cancellationToken);
        if (dequeued > 0)
        {
            try
            {
                await dispatcher.RemoveAsync(id, cancellationToken);
            }
            catch (Quartz.SchedulerException e)
            {
                // The job is cancelled in its record; a firing that Quartz still makes finds it so and does nothing.
                logger.LogWarning(e, "Job {JobId} is cancelled, but its Quartz trigger could not be removed now", id);
            }

            db.JobLog.Add(new JobLogEntry { JobId = id, Attempt = found.Job.Attempts, At = now, Message = $"Cancelled by {await NameAsync(cancellationToken)} before it started." });
            await db.SaveChangesAsync(cancellationToken);
        }
        else
        {
            var requested = await db.Jobs.Where(j => j.Id == id && j.State == JobState.Running)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.CancelRequested, true), cancellationToken);
            if (requested == 0)
            {
                return Problems.Conflict($"The job has already ended ({(await db.Jobs.AsNoTracking().FirstAsync(j => j.Id == id, cancellationToken)).State.ToString().ToLowerInvariant()}).");
            }

            db.JobLog.Add(new JobLogEntry { JobId = id, Attempt = found.Job.Attempts, At = now, Message = $"Cancel requested by {await NameAsync(cancellationToken)}." });
            await db.SaveChangesAsync(cancellationToken);
        }

        return await db.Jobs.AsNoTracking().Include(j => j.Inputs).FirstAsync(j => j.Id == id, cancellationToken);
    }

    public async Task<JobOutcome> RetryAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await FindForChangeAsync(id, "retry", cancellationToken) is not { } found)
        {
            return Problems.NotFound("job", id);
        }

        if (found.Problem is { } problem)
        {
            return problem;
        }

        var job = found.Job;
        var requeued = await db.Jobs.Where(j => j.Id == id && (j.State == JobState.Failed || j.State == JobState.Cancelled))
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.State, JobState.Queued)
                .SetProperty(j => j.CancelRequested, false)
                .SetProperty(j => j.Error, (string?)null)
                .SetProperty(j => j.FinishedAt, (DateTimeOffset?)null)
                .SetProperty(j => j.Progress, 0)
                .SetProperty(j => j.ProgressMessage, (string?)null)
                .SetProperty(j => j.MaxAttempts, j => j.Attempts + options.Value.MaxAttempts), cancellationToken);
        if (requeued == 0)
        {
            return Problems.Conflict($"Only failed or cancelled jobs can be retried; this one is {job.State.ToString().ToLowerInvariant()}.");
        }

        db.JobLog.Add(new JobLogEntry { JobId = id, Attempt = job.Attempts, At = clock.GetUtcNow(), Message = $"Retry requested by {await NameAsync(cancellationToken)}." });
        await db.SaveChangesAsync(cancellationToken);
        // Read before dispatching: the answer is the job as the retry left it (queued), not whatever a worker made of it since.
        var queued = await db.Jobs.AsNoTracking().Include(j => j.Inputs).FirstAsync(j => j.Id == id, cancellationToken);
        await DispatchAsync(id, cancellationToken);
        return queued;
    }

    /// <summary>Null when the actor cannot see the job; otherwise the job and, if they may not change it, the 403.</summary>
    private async Task<(Job Job, ProblemHttpResult? Problem)?> FindForChangeAsync(Guid id, string action, CancellationToken cancellationToken)
    {
        var job = await Visible().AsNoTracking().Include(j => j.Inputs).FirstOrDefaultAsync(j => j.Id == id, cancellationToken);
        if (job is null)
        {
            return null;
        }

        if (job.OwnerId == access.Actor.PersonId && access.Actor.MayWrite)
        {
            return (job, null);
        }

        // Someone else's job: the proposal's managers may act on it.
        return (job, await access.DenyUnlessAsync(job.ProposalId, ProposalAccess.Manager, $"{action} another person's job", cancellationToken));
    }

    private async Task<string> NameAsync(CancellationToken cancellationToken) =>
        await db.People.Where(p => p.Id == access.Actor.PersonId).Select(p => p.DisplayName).FirstOrDefaultAsync(cancellationToken) ?? "someone";
}
