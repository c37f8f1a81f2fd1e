using System.Data.Common;
using Idrp.Infrastructure.Persistence;
using Idrp.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Idrp.Server.Tests;

/// <summary>
/// The database plans of the web UI's big lists: a page of a measurement's files is a range seek on an index, not a
/// sort of all its files (a measurement may hold 10,000), on SQLite and PostgreSQL alike.
/// </summary>
public sealed class QueryPlanTests(IdrpServer server) : IClassFixture<IdrpServer>
{
    [Fact]
    public async Task A_page_of_a_measurements_files_is_read_through_an_index_in_id_order_without_a_sort()
    {
        await using var scope = server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdrpDbContext>();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        var sqlite = db.Database.IsSqlite();

        // The measurement page's query (MeasurementPage.razor) and the API's (GET /data-assets?measurementId=), after a page.
        const string query = "SELECT * FROM data_assets WHERE measurement_id = @m AND id > @after ORDER BY id LIMIT 201";
        if (!sqlite)
        {
            // The test tables are tiny, where a sequential scan is cheapest: ask for the plan used at scale.
            await Execute(connection, "SET enable_seqscan = off");
        }

        var plan = await Execute(connection, (sqlite ? "EXPLAIN QUERY PLAN " : "EXPLAIN ") + query);
        if (!sqlite)
        {
            await Execute(connection, "RESET enable_seqscan");
        }

        Assert.Contains("ix_data_assets_measurement_id_id", plan, StringComparison.Ordinal);
        Assert.DoesNotContain(sqlite ? "TEMP B-TREE" : "Sort", plan, StringComparison.Ordinal);
    }

    /// <summary>Runs <paramref name="sql"/> and returns every text column of every row, one row a line.</summary>
    private static async Task<string> Execute(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in new[] { "m", "after" })
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@" + name;
            parameter.Value = Guid.CreateVersion7();
            command.Parameters.Add(parameter);
        }

        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            lines.Add(string.Join(' ', Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetValue(i)?.ToString())));
        }

        return string.Join('\n', lines);
    }
}
