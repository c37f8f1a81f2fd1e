using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Idrp.Infrastructure.Persistence;

/// <summary>
/// Lets SQLite itself wait for a busy database (its busy handler sleeps 1, 2, 5, 10 … ms) instead of
/// Microsoft.Data.Sqlite's own retry, which blocks a thread-pool thread for 150 ms per collision
/// (measured in bench/Idrp.Bench.Api: that sleep made the 700 ms p95 of concurrent registration).
/// </summary>
internal sealed class SqliteBusyTimeout : DbConnectionInterceptor
{
    private const string Pragma = "PRAGMA busy_timeout = 30000;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
