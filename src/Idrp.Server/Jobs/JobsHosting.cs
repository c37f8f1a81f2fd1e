using Idrp.Infrastructure.Jobs;
using Idrp.Infrastructure.Persistence;
using Idrp.Server.Features.Fixity;
using Idrp.Server.Hosting;

namespace Idrp.Server.Jobs;

/// <summary>What a process of the platform does: everything (embedded default), only the web side, or only jobs.</summary>
public enum ServerRole
{
    /// <summary>API, web UI and jobs in one process.</summary>
    All,

    /// <summary>API and web UI; jobs are submitted to the shared database and run by workers.</summary>
    Web,

    /// <summary>Runs jobs only (and answers /health); started as <c>--role worker</c>.</summary>
    Worker,
}

internal static class JobsHosting
{
    public static ServerRole Role(this IConfiguration configuration) => configuration.GetValue("Role", ServerRole.All);

    /// <summary>The job frame: engine, runner, the job types built into the platform, and the recurring maintenance jobs.</summary>
    public static WebApplicationBuilder AddIdrpJobs(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var services = builder.Services;
        services.AddOptions<JobsOptions>().BindConfiguration(JobsOptions.Section);
        var jobs = configuration.GetSection(JobsOptions.Section).Get<JobsOptions>() ?? new JobsOptions();
        var database = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        var dataDirectory = Path.GetFullPath(configuration.GetValue("DataDirectory", new IdrpOptions().DataDirectory)!);
        if (database.Provider == DatabaseProvider.Sqlite && configuration.Role() == ServerRole.Worker)
        {
            throw new InvalidOperationException("Separate worker processes share the database with the servers, which SQLite cannot do: use PostgreSQL (Database:Provider), or let the server run the jobs (Role=All, the default).");
        }

        services.AddIdrpJobEngine(database, dataDirectory, jobs, runsJobs: configuration.Role() != ServerRole.Web,
            schedule: q => MaintenanceJobs.Schedule(q, jobs));

        services.AddSingleton<JobTypeRegistry>();
        services.AddSingleton<JobDispatcher>();
        services.AddSingleton<JobRunner>();
        services.AddScoped<JobService>();
        services.AddScoped<Features.Previews.AutomaticThumbnails>();
        services.AddOptions<Features.Previews.PreviewOptions>().BindConfiguration(Features.Previews.PreviewOptions.Section);
        services.AddTransient<RunPlatformJob>();

        services.AddJobType<FixityJobType>();
        services.AddJobType<Features.Previews.ThumbnailJobType>();
        services.AddJobType<Features.Kmap.KmapReduceJobType>();
        services.AddOptions<Features.Sem.SemOptions>().BindConfiguration(Features.Sem.SemOptions.Section);
        services.AddSingleton<Features.Sem.SemModelLocator>();
        services.AddJobType<Features.Sem.SemClassifyJobType>();
        services.AddJobType<Features.Sem.SemTrainJobType>();
        services.AddJobType<Features.Stm.StmMovieJobType>();
        services.AddJobType<Features.Stm.StmExportJobType>();
        foreach (var path in configuration.GetSection("Jobs:TypeAssemblies").Get<string[]>() ?? [])
        {
            AddJobTypesFrom(services, path);
        }

        return builder;
    }

    /// <summary>
    /// Registers every job type in an assembly the operator names (Jobs:TypeAssemblies): a facility adds its own analysis
    /// as a job type without rebuilding the platform. The assembly should reference Idrp.Domain only.
    /// </summary>
    private static void AddJobTypesFrom(IServiceCollection services, string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new InvalidOperationException($"Jobs:TypeAssemblies names '{full}', which does not exist.");
        }

        var assembly = System.Runtime.Loader.AssemblyLoadContext.Default.LoadFromAssemblyPath(full);
        var found = assembly.GetExportedTypes().Where(t => t is { IsClass: true, IsAbstract: false } && typeof(Domain.Jobs.IJobType).IsAssignableFrom(t)).ToList();
        if (found.Count == 0)
        {
            throw new InvalidOperationException($"The assembly '{full}' (Jobs:TypeAssemblies) holds no public job type.");
        }

        foreach (var type in found)
        {
            services.AddSingleton(typeof(Domain.Jobs.IJobType), type);
        }
    }
}
