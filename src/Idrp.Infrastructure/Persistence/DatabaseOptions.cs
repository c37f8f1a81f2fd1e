namespace Idrp.Infrastructure.Persistence;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>Where the metadata lives. Embedded default: SQLite file "idrp.db" in the data directory.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>
    /// ADO.NET connection string. Empty with SQLite means "idrp.db in the data directory";
    /// required with PostgreSQL, e.g. "Host=db;Database=idrp;Username=idrp;Password=...".
    /// </summary>
    public string? ConnectionString { get; set; }
}
