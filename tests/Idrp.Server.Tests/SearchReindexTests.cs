using System.Net;
using System.Text.Json.Nodes;
using Idrp.Infrastructure.Persistence;
using Idrp.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace Idrp.Server.Tests;

/// <summary>
/// The migration SearchStemmedTerms deletes every search document (their texts were unstemmed words), and a server
/// that starts on that database makes them again (SearchIndexer.IndexMissingAsync), with stemmed terms: its
/// measurements are found again, inflected forms and all, on SQLite and PostgreSQL.
/// </summary>
public sealed class SearchReindexTests(IdrpServer server) : IClassFixture<IdrpServer>
{
    [Fact]
    public async Task A_server_started_after_the_stemming_migration_indexes_its_measurements_again()
    {
        var word = "zr" + string.Concat(Guid.NewGuid().ToString("N")[..10].Select(c => (char)('a' + (c % 26)))) + "ox";
        var admin = await server.AdminAsync();
        var experiment = (await admin.CreateExperimentAsync((await admin.CreateProposalAsync()).Id())).Id();
        var id = (await admin.CreateMeasurementAsync(experiment, name: $"Islanded terraces {word}")).Id();

        async Task<List<Guid>> FindAsync(ApiClient client, string q) =>
            [.. (await (await client.GetAsync("/api/v1/search?q=" + Uri.EscapeDataString(q))).ReadJsonAsync(HttpStatusCode.OK))["items"]!.AsArray().Select(i => i!.Id())];
        Assert.Equal([id], await FindAsync(admin, $"islands {word}"));

        // Back to the migration before it (its Down deletes the documents too), so that the start applies it again.
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<IdrpDbContext>();
            var migrations = db.Database.GetMigrations().ToList();
            var index = migrations.FindIndex(m => m.EndsWith("_SearchStemmedTerms", StringComparison.Ordinal));
            await db.GetService<IMigrator>().MigrateAsync(migrations[index - 1], TestContext.Current.CancellationToken);
            Assert.Equal(0, await db.SearchDocuments.CountAsync(TestContext.Current.CancellationToken));
        }

        Assert.Empty(await FindAsync(admin, word));

        await server.RestartAsync();
        var again = new ApiClient(server.NewHttpClient(), server, admin.Token);
        Assert.Equal([id], await FindAsync(again, $"islands {word}"));
        Assert.Equal([id], await FindAsync(again, $"terrace {word}"));
        Assert.Equal([id], await FindAsync(again, $"isl* {word}"));
    }
}
