using Idrp.Infrastructure.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace Idrp.Infrastructure.Jobs;

/// <summary>Settings of the job engine (section "Jobs").</summary>
public sealed class JobsOptions
{
    public const string Section = "Jobs";

    /// <summary>Jobs one process runs at the same time. Analysis jobs use every core themselves, so a few is plenty.</summary>
    public int Concurrency { get; set; } = 2;

    /// <summary>Attempts a job gets before it fails for good when its workers keep dying under it.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>How often a running job records progress and a sign of life, and looks for a cancel request.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a node tells the cluster it is alive.</summary>
    public TimeSpan ClusterCheckinInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long past a missed check-in the others wait before they take over a node's jobs.</summary>
    public TimeSpan ClusterCheckinMisfireThreshold { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an idle worker waits before it looks for jobs another node submitted.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Scratch space of running jobs; default: "work" in the data directory.</summary>
    public string? WorkDirectory { get; set; }

    /// <summary>Cron expression (Quartz syntax, UTC) of the scheduled fixity check of all data; empty turns it off.</summary>
    public string FixitySchedule { get; set; } = "0 0 2 * * ?";

    /// <summary>Assets the scheduled fixity check re-reads per run, least recently checked first.</summary>
    public int FixityBatchSize { get; set; } = 10_000;

    /// <summary>Cron expression of the removal of expired, unfinished uploads; empty turns it off.</summary>
    public string UploadCleanupSchedule { get; set; } = "0 */15 * * * ?";
}

public static class JobEngineServiceCollectionExtensions
{
    /// <summary>
    /// Quartz.NET on the platform's database (its own qrtz_ tables, created on first start). On PostgreSQL it is
    /// clustered, so that any number of server and worker processes share it and a node that dies has its running jobs
    /// recovered by another; on SQLite it is one process that recovers its own jobs when it starts again. <paramref name="runsJobs"/> false gives a scheduler that only submits (web role);
    /// <paramref name="schedule"/> adds the platform's recurring jobs.
    /// </summary>
    public static IServiceCollection AddIdrpJobEngine(this IServiceCollection services, DatabaseOptions database, string dataDirectory, JobsOptions options, bool runsJobs, Action<IQuartzBuilder>? schedule = null)
    {
        var resolved = ResolvedDatabase.From((database, dataDirectory));
        if (resolved.Provider == DatabaseProvider.Sqlite && !runsJobs)
        {
            throw new InvalidOperationException("A web-only server needs workers that share its database, which SQLite cannot do: use PostgreSQL (Database:Provider) or run with Role=All.");
        }

        services.AddQuartz(q =>
        {
            q.ConfigureScheduler(s =>
            {
                s.InstanceName = "idrp";
                s.IdleWaitTime = options.PollInterval;
                if (resolved.Provider == DatabaseProvider.Postgres)
                {
                    // A cluster node's name says which machine and which process (jobs record the same name).
                    s.InstanceId = $"{Environment.MachineName}-{Environment.ProcessId}";
                }
            });
            q.UseDefaultThreadPool(Math.Max(1, options.Concurrency));
            q.UsePersistentStore(store =>
            {
                if (resolved.Provider == DatabaseProvider.Sqlite)
                {
                    // Quartz refuses clustering on SQLite (its file locks cannot do row locking), so an embedded
                    // platform is one process; a job it ran when it died is recovered when it starts again.
                    store.UseSqlite(resolved.ConnectionString);
                }
                else
                {
                    store.UsePostgres(resolved.ConnectionString);
                    store.UseClustering(c =>
                    {
                        c.CheckinInterval = options.ClusterCheckinInterval;
                        c.CheckinMisfireThreshold = options.ClusterCheckinMisfireThreshold;
                    });
                }

                store.ProvisionSchema();
            });
            schedule?.Invoke(q);
        });
        services.AddQuartzHostedService(o =>
        {
            o.AutoStart = runsJobs;
            o.WaitForJobsToComplete = false;
        });
        return services;
    }
}
