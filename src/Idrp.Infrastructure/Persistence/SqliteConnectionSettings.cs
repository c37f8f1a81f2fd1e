using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Idrp.Infrastructure.Persistence;

/// <summary>
/// Per-connection SQLite settings. busy_timeout lets SQLite itself wait for a busy database (its busy
/// handler sleeps 1, 2, 5, 10 … ms) instead of Microsoft.Data.Sqlite's own retry, which blocks a
/// thread-pool thread for 150 ms per collision (measured in bench/Idrp.Bench.Api: that sleep made the
/// 700 ms p95 of concurrent registration). synchronous=NORMAL is SQLite's recommendation for WAL: a
/// commit is written to the WAL before it is acknowledged, so a killed process loses nothing, and only
/// a power cut can roll back the last commits (never corrupt the file); it saves an fsync per commit.
/// cache_size gives each (pooled, long-lived) connection a page cache of up to 64 MiB instead of SQLite's 2 MiB,
/// filled only as pages are read: a search's passes over 100,000 documents then find their pages in memory
/// rather than asking the operating system for each (measured in bench/Idrp.Bench.Search: about half the CPU
/// time of a facet pass).
/// </summary>
internal sealed class SqliteConnectionSettings : DbConnectionInterceptor
{
    private const string Pragma = "PRAGMA busy_timeout = 30000; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536;";

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
