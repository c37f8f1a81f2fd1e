using System.Diagnostics;
using System.Globalization;
using Idrp.Domain.Access;
using Idrp.Domain.Search;
using Microsoft.EntityFrameworkCore;

namespace Idrp.Infrastructure.Persistence;

/// <summary>
/// What PostgreSQL's own statistics (<c>pg_stats</c>, kept by ANALYZE and autovacuum) say about search_vectors: how many
/// rows it has, in what share of them each frequent lexeme occurs (<c>most_common_elems</c> of <c>tsv</c>) and what
/// share anyone, or any signed-in user, may read (<c>visibility</c>, <c>shared_with_signed_in_users</c>). From these
/// <see cref="PrefersWalk"/> chooses how a text search's counting pass finds its newest matches.
/// <para>
/// Why the application chooses and not the planner: the counting pass runs as a prepared statement (Npgsql
/// auto-prepare), and PostgreSQL's generic plan for it cannot see the word, so one plan served every word: the GIN
/// index and a sort of every match, 60 ms for a word in 92 % of 100,000 documents, where walking the primary key
/// backwards stops after 10,000 matches in 6–20 ms. Custom plans see the word but misjudge the cost of a walk for a
/// word in 13 % of the documents (measured in bench/Idrp.Bench.Search/RESULTS.md, "Choosing the walk").
/// </para>
/// One instance per database (a singleton); the figures are read again after <see cref="MaxAge"/>.
/// </summary>
public sealed class PostgresTextStatistics
{
    /// <summary>How old the figures may be before a search reads them again (one query to the catalogue, ~1 ms).</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);

    /// <summary>
    /// What testing one row on a walk of the primary key costs, against what one readable match costs through the text
    /// indexes (read its row, unite, sort): ~0.4 µs against 1–3 µs on the benchmark's data, so a walk pays when it
    /// visits fewer than about three rows per readable match the indexes would yield.
    /// </summary>
    public const double WalkedRowsPerIndexedMatch = 3.0;

    private Figures? _figures;

    /// <summary>
    /// Whether the newest <paramref name="take"/> matches of <paramref name="words"/> readable by
    /// <paramref name="reader"/> are found sooner by walking the primary key backwards, testing each row, than by
    /// collecting every readable match from the text indexes (the access rule's partial indexes, so only the rows the
    /// reader may read) and sorting them. False while the table has no statistics yet.
    /// </summary>
    public async Task<bool> PrefersWalkAsync(DbContext db, IReadOnlyList<QueryWord> words, Actor reader, int take, CancellationToken ct)
    {
        var figures = _figures;
        if (figures is null || Stopwatch.GetElapsedTime(figures.ReadAt) > MaxAge)
        {
            figures = await ReadAsync(db, ct);
            _figures = figures;
        }

        return PrefersWalk(figures, words, reader, take);
    }

    /// <summary>The decision itself, over given figures (<see cref="PrefersWalkAsync"/>; tests).</summary>
    public static bool PrefersWalk(Figures figures, IReadOnlyList<QueryWord> words, Actor reader, int take)
    {
        if (figures.Rows < 1 || words.Count == 0)
        {
            return false;
        }

        var matching = figures.MatchShare(words);
        var readable = reader.IsAdmin ? 1.0
            : reader.PersonId is null ? figures.PublicShare
            : Math.Min(1.0, figures.PublicShare + figures.SharedWithSignedInShare);
        if (matching * readable <= 0)
        {
            return false;
        }

        var walked = Math.Min(figures.Rows, take / (matching * readable));
        return walked < WalkedRowsPerIndexedMatch * matching * readable * figures.Rows;
    }

    internal static async Task<Figures> ReadAsync(DbContext db, CancellationToken ct)
    {
        const string Sql = """
            SELECT s.attname::text, c.reltuples::float8, s.null_frac::float8, s.n_distinct::float8,
                   s.most_common_vals::text::text[], s.most_common_freqs::float8[],
                   s.most_common_elems::text::text[], s.most_common_elem_freqs::float8[]
            FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname
                AND s.attname IN ('tsv', 'visibility', 'shared_with_signed_in_users')
            WHERE c.oid = 'search_vectors'::regclass
            """;
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = Sql;
            await using var reader = await command.ExecuteReaderAsync(ct);
            var rows = 0.0;
            var lexemes = new Dictionary<string, double>(StringComparer.Ordinal);
            var unlisted = 0.0;
            double publicShare = 0, sharedShare = 0;
            while (await reader.ReadAsync(ct))
            {
                rows = reader.GetDouble(1);
                if (reader.IsDBNull(0))
                {
                    continue;
                }

                var column = new ColumnStatistics(rows, reader.GetDouble(2), reader.GetDouble(3), Get<string[]>(4), Get<double[]>(5));
                switch (reader.GetString(0))
                {
                    case "tsv":
                        var elements = Get<string[]>(6) ?? [];
                        var shares = Get<double[]>(7) ?? [];
                        for (var i = 0; i < elements.Length && i < shares.Length; i++)
                        {
                            lexemes[elements[i]] = shares[i];
                        }

                        // After the per-lexeme shares come the smallest and largest share and the share of null values; a
                        // lexeme not listed occurs less often than the smallest (PostgreSQL's own estimate takes half of it).
                        unlisted = shares.Length > elements.Length ? shares[elements.Length] / 2 : 0.0;
                        break;
                    case "visibility":
                        publicShare = column.ShareOf(nameof(Domain.Model.Visibility.Public));
                        break;
                    case "shared_with_signed_in_users":
                        sharedShare = column.ShareOf("t");   // booleans read as text: t, f
                        break;
                }
            }

            return new Figures(Stopwatch.GetTimestamp(), rows, lexemes, unlisted, publicShare, sharedShare);

            T? Get<T>(int i)
                where T : class => reader.IsDBNull(i) ? null : (T)reader.GetValue(i);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>One column's pg_stats row: the share of the rows holding a value.</summary>
    private sealed record ColumnStatistics(double Rows, double NullShare, double Distinct, string[]? Values, double[]? Shares)
    {
        /// <summary>
        /// The value's share when it is among the most common values; else the rows no listed value or null accounts for,
        /// spread evenly over the values not listed (ANALYZE lists no value it saw only once).
        /// </summary>
        public double ShareOf(string value)
        {
            var values = Values ?? [];
            var shares = Shares ?? [];
            var index = Array.IndexOf(values, value);
            if (index >= 0 && index < shares.Length)
            {
                return shares[index];
            }

            var distinct = Distinct < 0 ? -Distinct * Rows : Distinct;
            var rest = Math.Max(0, 1 - NullShare - shares.Sum());
            return rest / Math.Max(1, distinct - values.Length);
        }
    }

    /// <param name="ReadAt">Stopwatch timestamp of the reading.</param>
    /// <param name="Rows">Rows of search_vectors as of the last ANALYZE (-1 or 0 before the first).</param>
    /// <param name="LexemeShares">Share of rows containing each frequent lexeme.</param>
    /// <param name="UnlistedShare">Share assumed for a lexeme not in <paramref name="LexemeShares"/>.</param>
    /// <param name="PublicShare">Share of rows that are public (embargoed ones included, so a little high).</param>
    /// <param name="SharedWithSignedInShare">Share of rows shared with every signed-in user.</param>
    public sealed record Figures(long ReadAt, double Rows, IReadOnlyDictionary<string, double> LexemeShares, double UnlistedShare,
        double PublicShare, double SharedWithSignedInShare)
    {
        /// <summary>
        /// The share of rows containing every word, taking words as independent (as the planner does). A prefix counts
        /// every listed lexeme it starts, at most all rows, at least the unlisted share.
        /// </summary>
        public double MatchShare(IReadOnlyList<QueryWord> words)
        {
            var share = 1.0;
            foreach (var word in words)
            {
                share *= word.Prefix
                    ? Math.Min(1.0, Math.Max(UnlistedShare, LexemeShares.Where(l => l.Key.StartsWith(word.Term, StringComparison.Ordinal)).Sum(l => l.Value)))
                    : LexemeShares.GetValueOrDefault(word.Term, UnlistedShare);
            }

            return share;
        }

        public override string ToString() =>
            string.Create(CultureInfo.InvariantCulture, $"{Rows} rows, {LexemeShares.Count} lexemes, public {PublicShare:P1}, shared with signed-in users {SharedWithSignedInShare:P1}");
    }
}
