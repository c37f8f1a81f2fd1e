using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.Extensions.DependencyInjection;

namespace Idrp.Infrastructure.Persistence;

public static class PersistenceServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IdrpDbContext"/> on the configured provider and the scoped <see cref="ChangeContext"/>.
    /// The provider and connection string are read when the first context is made, not at registration, so that
    /// configuration added later (tests, hosting overrides) is honoured.
    /// </summary>
    public static IServiceCollection AddIdrpPersistence(this IServiceCollection services, Func<IServiceProvider, (DatabaseOptions Database, string DataDirectory)> settings)
    {
        services.AddScoped<ChangeContext>();
        services.AddDbContext<SqliteIdrpDbContext>((sp, o) =>
        {
            var (database, dataDirectory) = settings(sp);
            ConfigureSqlite(o, SqliteConnectionString(database.ConnectionString, dataDirectory));
        });
        services.AddDbContext<PostgresIdrpDbContext>((sp, o) =>
        {
            var (database, _) = settings(sp);
            if (string.IsNullOrWhiteSpace(database.ConnectionString))
            {
                throw new InvalidOperationException("Database:ConnectionString is required when Database:Provider is Postgres.");
            }

            ConfigurePostgres(o, database.ConnectionString);
        });
        services.AddScoped<IdrpDbContext>(sp => settings(sp).Database.Provider switch
        {
            DatabaseProvider.Sqlite => sp.GetRequiredService<SqliteIdrpDbContext>(),
            DatabaseProvider.Postgres => sp.GetRequiredService<PostgresIdrpDbContext>(),
            var other => throw new InvalidOperationException($"Unknown database provider '{other}'."),
        });
        return services;
    }

    internal static string SqliteConnectionString(string? configured, string dataDirectory)
    {
        var builder = new SqliteConnectionStringBuilder(string.IsNullOrWhiteSpace(configured)
            ? $"Data Source={Path.Combine(dataDirectory, "idrp.db")}"
            : configured)
        {
            // Writers wait for each other instead of failing with SQLITE_BUSY.
            DefaultTimeout = 30,
            Pooling = true,
        };
        var directory = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        return builder.ToString();
    }

    internal static void ConfigureSqlite(DbContextOptionsBuilder options, string connectionString) =>
        options.UseSqlite(connectionString).UseSnakeCaseNamingConvention();

    internal static void ConfigurePostgres(DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(connectionString).UseSnakeCaseNamingConvention();

    /// <summary>
    /// Brings the schema up to date. On SQLite also switches the file to write-ahead logging, so that
    /// readers never wait for the writer.
    /// </summary>
    public static async Task MigrateIdrpDatabaseAsync(this IdrpDbContext db, CancellationToken cancellationToken)
    {
        if (db.Database.IsSqlite())
        {
            await db.Database.OpenConnectionAsync(cancellationToken);
            try
            {
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
                await db.Database.MigrateAsync(cancellationToken);
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }

            return;
        }

        await db.Database.MigrateAsync(cancellationToken);
    }
}

/// <summary>Used by "dotnet ef migrations add ... --context SqliteIdrpDbContext".</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteIdrpDbContext>
{
    public SqliteIdrpDbContext CreateDbContext(string[] args)
    {
        var builder = new DbContextOptionsBuilder<SqliteIdrpDbContext>();
        PersistenceServiceCollectionExtensions.ConfigureSqlite(builder, "Data Source=design-time.db");
        return new SqliteIdrpDbContext(builder.Options);
    }
}

/// <summary>Used by "dotnet ef migrations add ... --context PostgresIdrpDbContext"; needs no server.</summary>
internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresIdrpDbContext>
{
    public PostgresIdrpDbContext CreateDbContext(string[] args)
    {
        var builder = new DbContextOptionsBuilder<PostgresIdrpDbContext>();
        PersistenceServiceCollectionExtensions.ConfigurePostgres(builder, "Host=localhost;Database=idrp_design");
        return new PostgresIdrpDbContext(builder.Options);
    }
}
