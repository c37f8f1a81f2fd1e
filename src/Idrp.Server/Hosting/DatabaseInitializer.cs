using Idrp.Infrastructure.Persistence;

namespace Idrp.Server.Hosting;

/// <summary>
/// Runs before the server accepts requests: migrates the schema (EF Core's migration lock makes this safe
/// when several servers start at once) and creates the first admin.
/// </summary>
internal sealed class DatabaseInitializer(IServiceProvider services, ILogger<DatabaseInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<IdrpDbContext>();
        await db.MigrateIdrpDatabaseAsync(cancellationToken);
        if (await Infrastructure.Search.SearchIndexer.IndexMissingAsync(db, cancellationToken) is > 0 and var indexed)
        {
            logger.LogInformation("Search: indexed {Count} measurements that had no search document", indexed);
        }

        await AdminBootstrap.EnsureAdminAsync(scope.ServiceProvider, logger, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
