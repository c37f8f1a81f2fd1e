using Quartz;

namespace Idrp.Server.Jobs;

/// <summary>Hands jobs to Quartz: one durable-store job + trigger per platform job, keyed by the job's id.</summary>
internal sealed class JobDispatcher(ISchedulerFactory schedulers, TimeProvider clock)
{
    public const string Group = "idrp-jobs";
    public const string JobIdKey = "jobId";

    public static JobKey KeyOf(Guid jobId) => new(jobId.ToString("N"), Group);

    /// <summary>Queues the job to run (again); replaces an earlier trigger of the same job.</summary>
    public async Task DispatchAsync(Guid jobId, TimeSpan delay, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var detail = JobBuilder.Create<RunPlatformJob>()
            .WithIdentity(KeyOf(jobId))
            .UsingJobData(JobIdKey, jobId.ToString())
            // A worker that dies mid-job has its firing re-run by another node (or by itself when it comes back).
            .RequestRecovery()
            .Build();
        var trigger = TriggerBuilder.Create()
            .WithIdentity(jobId.ToString("N"), Group)
            .ForJob(detail)
            .StartAt(clock.GetUtcNow() + delay)
            .Build();
        await scheduler.ScheduleJob(detail, [trigger], ScheduleJobOptions.Replacing, cancellationToken);
    }

    /// <summary>
    /// Fires the job once more after <paramref name="delay"/>, from inside its own execution: a trigger of its own, so
    /// that Quartz, completing the trigger that is firing now, does not remove this one with it.
    /// </summary>
    public async Task FireAgainAsync(Guid jobId, TimeSpan delay, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var trigger = TriggerBuilder.Create()
            .WithIdentity($"{jobId:N}-{Guid.CreateVersion7():N}", Group)
            .ForJob(KeyOf(jobId))
            .StartAt(clock.GetUtcNow() + delay)
            .Build();
        await scheduler.ScheduleJob(trigger, ScheduleJobOptions.Replacing, cancellationToken);
    }

    /// <summary>Whether Quartz holds the job (queued or firing).</summary>
    public async Task<bool> IsDispatchedAsync(Guid jobId, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        return await scheduler.Exists(KeyOf(jobId), cancellationToken);
    }

    /// <summary>Removes a job that has not started from Quartz.</summary>
    public async Task RemoveAsync(Guid jobId, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        await scheduler.DeleteJob(KeyOf(jobId), cancellationToken);
    }

    public async Task<string> InstanceIdAsync(CancellationToken cancellationToken) =>
        (await schedulers.GetScheduler(cancellationToken)).SchedulerInstanceId;
}

/// <summary>The one Quartz job class: runs a platform job by id.</summary>
[DisallowConcurrentExecution]
internal sealed class RunPlatformJob(JobRunner runner) : IJob
{
    /// <summary>How a job's record names the process that runs it: host and process id.</summary>
    public static readonly string WorkerName = $"{Environment.MachineName}-{Environment.ProcessId}";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var id = Guid.Parse(context.MergedJobDataMap.GetString(JobDispatcher.JobIdKey)!);
        await runner.RunAsync(id, WorkerName, cancellationToken);
    }
}
