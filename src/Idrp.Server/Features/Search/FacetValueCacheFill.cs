using System.Diagnostics;
using Idrp.Infrastructure.Persistence;

namespace Idrp.Server.Features.Search;

/// <summary>
/// Reads the newest documents' facet values into the <see cref="FacetValueCache"/> once the server has started, in the
/// background: requests are served meanwhile, and a search that comes first reads what it needs itself, as it would
/// without this. Registered after the database initializer, whose schema and search documents it reads.
/// </summary>
internal sealed class FacetValueCacheFill(FacetValueCache cache, IServiceScopeFactory scopes, ILogger<FacetValueCacheFill> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield(); // the host's start does not wait for this
        try
        {
            var clock = Stopwatch.StartNew();
            await using var scope = scopes.CreateAsyncScope();
            var read = await cache.FillAsync(scope.ServiceProvider.GetRequiredService<IdrpDbContext>(), stoppingToken);
            logger.LogInformation("Search: facet values of {Count} documents read into memory in {Milliseconds} ms", read, clock.ElapsedMilliseconds);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is InvalidOperationException or System.Data.Common.DbException)
        {
            // Only a head start: searches read what the cache lacks.
            logger.LogWarning(e, "Search: facet values could not be read ahead; searches read them as they need them");
        }
    }
}
