using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace Idrp.Bench.Search;

/// <summary>
/// Deterministic test data: 5 facilities with 5 instruments each, 200 people, 1,000 proposals (2 experiments,
/// 3 samples, 100 measurements each), 10 data assets per measurement. 60 % of measurements are private, 10 %
/// shared with every signed-in user, 30 % public. The small tables go through EF Core (and its audit trail); the
/// measurements and assets are bulk-inserted (COPY on PostgreSQL, prepared inserts in one transaction on SQLite).
/// </summary>
internal sealed class Generator(int measurements, int assetsPerMeasurement)
{
    public const int Proposals = 1000;
    public const int People = 200;

    public static readonly string[] Techniques = ["SEM", "STM", "XRD-KMAP", "AFM", "TEM"];

    public static readonly string[] SemCategories = ["Biological", "Fibres", "MEMS devices and electrodes", "Particles", "Porous Sponge", "Tips", "Films and Coated Surfaces", "Nanowires", "Patterned surfaces", "Powder"];

    /// <summary>Words of descriptions; drawn with a skewed distribution, so a few are common and most are rare.</summary>
    public static readonly string[] Vocabulary = BuildVocabulary();

    private static readonly string[] Keywords = [.. Enumerable.Range(0, 50).Select(i => "kw" + Vocabulary[i * 7 % Vocabulary.Length])];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public Guid UserId { get; private set; }

    private static string[] BuildVocabulary()
    {
        string[] stems = ["island", "strain", "film", "wire", "dot", "terrace", "step", "graphene", "oxide", "silicon", "germanium", "gold", "copper", "nickel", "cobalt",
            "ferro", "magnet", "domain", "lattice", "defect", "grain", "boundary", "anneal", "etch", "growth", "layer", "substrate", "interface", "surface", "cluster"];
        string[] suffixes = ["", "s", "ed", "ing", "al", "ic", "ite", "ene", "ide", "on"];
        return [.. stems.SelectMany(s => suffixes.Select(x => s + x))];
    }

    public async Task<TimeSpan> GenerateAsync(IdrpDbContext db, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var random = new Random(42);
        var facilities = Enumerable.Range(0, 5).Select(i => new Facility { Code = $"FAC-{i}", Name = $"Facility {i}" }).ToList();
        var instruments = facilities.SelectMany((f, fi) => Enumerable.Range(0, 5).Select(i => new Instrument
        {
            FacilityId = f.Id, Name = $"{Techniques[i]} {fi}-{i}", Technique = Techniques[i], Manufacturer = "Maker " + i,
        })).ToList();
        var people = Enumerable.Range(0, People).Select(i => new Person { DisplayName = $"Person {i}" }).ToList();
        UserId = people[0].Id;
        db.Facilities.AddRange(facilities);
        db.Instruments.AddRange(instruments);
        db.People.AddRange(people);
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();

        var proposals = new List<(Guid Id, int Facility, Guid[] Experiments, Guid[] Samples)>();
        for (var p = 0; p < Proposals; p++)
        {
            var proposal = new Proposal { ProposalNumber = $"NFFA-{2015 + (p % 10)}-{p:0000}", Title = $"Proposal {p} on {Vocabulary[p % Vocabulary.Length]}" };
            proposal.Members.Add(new ProposalMember { PersonId = people[p % People].Id, Role = ProposalRole.PrincipalInvestigator });
            proposal.Facilities.Add(new ProposalFacility { FacilityId = facilities[p % 5].Id });
            var experiments = Enumerable.Range(0, 2).Select(e => new Experiment { ProposalId = proposal.Id, Name = $"Beamtime {e}", FacilityId = facilities[p % 5].Id }).ToArray();
            var samples = Enumerable.Range(0, 3).Select(s => new Sample { ProposalId = proposal.Id, Name = $"Sample {p}-{s}", Composition = s == 0 ? "Si0.8Ge0.2" : s == 1 ? "Au(111)" : "Cu3Au" }).ToArray();
            db.Proposals.Add(proposal);
            db.Experiments.AddRange(experiments);
            db.Samples.AddRange(samples);
            proposals.Add((proposal.Id, p % 5, [.. experiments.Select(e => e.Id)], [.. samples.Select(s => s.Id)]));
            if (p % 200 == 199)
            {
                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
            }
        }

        var rows = new List<MeasurementRow>(measurements);
        var start = new DateTimeOffset(2015, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < measurements; i++)
        {
            var p = proposals[i * Proposals / measurements];
            var t = i / 10 % 5;
            var instrument = instruments[(p.Facility * 5) + t];
            var visibility = (i % 10) switch { < 6 => Visibility.Private, 6 => Visibility.Shared, _ => Visibility.Public };
            var words = Enumerable.Range(0, 8).Select(_ => Vocabulary[(int)(Vocabulary.Length * Math.Pow(random.NextDouble(), 3))]);
            var settings = Techniques[t] switch
            {
                "SEM" => new List<InstrumentSetting>
                {
                    Number("EHT", Math.Round(1 + (random.NextDouble() * 29), 1), "kV"),
                    Number("WD", Math.Round(2 + (random.NextDouble() * 8), 2), "mm"),
                    Number("Magnification", Math.Round(1000 + (random.NextDouble() * 499_000)), "x"),
                    new() { Key = "Detector", Value = random.Next(2) == 0 ? "InLens" : "SE2", Kind = SettingKind.Text },
                },
                "STM" => [Number("Bias", Math.Round(-2000 + (random.NextDouble() * 4000)), "mV"), Number("Current", Math.Round(10 + (random.NextDouble() * 990)), "pA")],
                _ => [Number("Energy", Math.Round(5 + (random.NextDouble() * 20), 2), "keV"), Number("Temperature", Math.Round(4 + (random.NextDouble() * 300)), "K")],
            };
            var collected = start.AddMinutes(random.Next(10 * 365 * 24 * 60));
            rows.Add(new MeasurementRow(
                Guid.CreateVersion7(collected), p.Experiments[i % 2], p.Id, p.Samples[i % 3], instrument.Id,
                $"{Techniques[t]} {Vocabulary[i % Vocabulary.Length]} {i}", string.Join(' ', words), Techniques[t], collected,
                JsonSerializer.Serialize(settings, Json),
                [Keywords[random.Next(Keywords.Length)], Keywords[random.Next(Keywords.Length)]],
                t == 0 ? JsonSerializer.Serialize(new List<CategoryTag> { new() { Scheme = "sem-category", Value = SemCategories[random.Next(SemCategories.Length)], Source = "model:sem@1", Confidence = 0.9 } }, Json) : "[]",
                visibility.ToString(), visibility == Visibility.Shared, visibility == Visibility.Public ? (i % 3 == 0 ? "CC0-1.0" : "CC-BY-4.0") : null));
        }

        if (db.Database.IsSqlite())
        {
            await InsertSqliteAsync(db, rows, ct);
        }
        else
        {
            await CopyPostgresAsync(db, rows, ct);
        }

        return clock.Elapsed;
    }

    private static InstrumentSetting Number(string key, double value, string unit) =>
        new() { Key = key, Value = value.ToString(System.Globalization.CultureInfo.InvariantCulture), Kind = SettingKind.Number, NumericValue = value, Unit = unit };

    private sealed record MeasurementRow(
        Guid Id, Guid ExperimentId, Guid ProposalId, Guid SampleId, Guid InstrumentId, string Name, string Description, string Technique,
        DateTimeOffset Collected, string Settings, string[] Keywords, string Categories, string Visibility, bool SharedWithAll, string? Licence);

    private const string MeasurementColumns = "id, experiment_id, proposal_id, sample_id, instrument_id, measurement_name, measurement_description, technique, date_of_collection, settings, keywords, categories, visibility, embargo_until, shared_with_signed_in_users, licence, created_at, updated_at, version";

    private const string AssetColumns = "id, measurement_id, proposal_id, data_asset_name, relative_path, data_size, data_checksum, date_of_collection, media_type, storage, state, link_uri, created_at, updated_at, version";

    private async Task InsertSqliteAsync(IdrpDbContext db, List<MeasurementRow> rows, CancellationToken ct)
    {
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        await connection.OpenAsync(ct);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(ct);
        await using var measurement = Prepare(connection, transaction, "measurements", MeasurementColumns);
        await using var asset = Prepare(connection, transaction, "data_assets", AssetColumns);
        var now = DateTimeOffset.UtcNow.UtcTicks;
        foreach (var r in rows)
        {
            Bind(measurement, r.Id, r.ExperimentId, r.ProposalId, r.SampleId, r.InstrumentId, r.Name, r.Description, r.Technique, r.Collected.UtcTicks,
                r.Settings, JsonSerializer.Serialize(r.Keywords), r.Categories, r.Visibility, null, r.SharedWithAll, r.Licence, now, now, 1L);
            await measurement.ExecuteNonQueryAsync(ct);
            for (var k = 0; k < assetsPerMeasurement; k++)
            {
                Bind(asset, Guid.CreateVersion7(), r.Id, r.ProposalId, $"frame_{k:0000}.tif", "raw", 2_359_808L, "sha256:" + new string('a', 64),
                    r.Collected.UtcTicks, "image/tiff", "Linked", "Complete", $"https://archive.example.org/{r.Id}/frame_{k:0000}.tif", now, now, 1L);
                await asset.ExecuteNonQueryAsync(ct);
            }
        }

        await transaction.CommitAsync(ct);
    }

    private static SqliteCommand Prepare(SqliteConnection connection, SqliteTransaction transaction, string table, string columns)
    {
        var names = columns.Split(", ");
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"INSERT INTO {table} ({columns}) VALUES ({string.Join(", ", names.Select(n => "$" + n))})";
        foreach (var name in names)
        {
            command.Parameters.Add(new SqliteParameter("$" + name, null));
        }

        command.Prepare();
        return command;
    }

    private static void Bind(SqliteCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }
    }

    private async Task CopyPostgresAsync(IdrpDbContext db, List<MeasurementRow> rows, CancellationToken ct)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await connection.OpenAsync(ct);
        var now = DateTime.UtcNow;
        await using (var copy = await connection.BeginBinaryImportAsync($"COPY measurements ({MeasurementColumns}) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var r in rows)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(r.Id, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(r.ExperimentId, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(r.ProposalId, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(r.SampleId, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(r.InstrumentId, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(r.Name, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(r.Description, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(r.Technique, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(r.Collected.UtcDateTime, NpgsqlDbType.TimestampTz, ct);
                await copy.WriteAsync(r.Settings, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(r.Keywords, NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
                await copy.WriteAsync(r.Categories, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(r.Visibility, NpgsqlDbType.Varchar, ct);
                await copy.WriteNullAsync(ct);
                await copy.WriteAsync(r.SharedWithAll, NpgsqlDbType.Boolean, ct);
                if (r.Licence is null)
                {
                    await copy.WriteNullAsync(ct);
                }
                else
                {
                    await copy.WriteAsync(r.Licence, NpgsqlDbType.Varchar, ct);
                }

                await copy.WriteAsync(now, NpgsqlDbType.TimestampTz, ct);
                await copy.WriteAsync(now, NpgsqlDbType.TimestampTz, ct);
                await copy.WriteAsync(1L, NpgsqlDbType.Bigint, ct);
            }

            await copy.CompleteAsync(ct);
        }

        await using (var copy = await connection.BeginBinaryImportAsync($"COPY data_assets ({AssetColumns}) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var r in rows)
            {
                for (var k = 0; k < assetsPerMeasurement; k++)
                {
                    await copy.StartRowAsync(ct);
                    await copy.WriteAsync(Guid.CreateVersion7(), NpgsqlDbType.Uuid, ct);
                    await copy.WriteAsync(r.Id, NpgsqlDbType.Uuid, ct);
                    await copy.WriteAsync(r.ProposalId, NpgsqlDbType.Uuid, ct);
                    await copy.WriteAsync($"frame_{k:0000}.tif", NpgsqlDbType.Varchar, ct);
                    await copy.WriteAsync("raw", NpgsqlDbType.Varchar, ct);
                    await copy.WriteAsync(2_359_808L, NpgsqlDbType.Bigint, ct);
                    await copy.WriteAsync("sha256:" + new string('a', 64), NpgsqlDbType.Varchar, ct);
                    await copy.WriteAsync(r.Collected.UtcDateTime, NpgsqlDbType.TimestampTz, ct);
                    await copy.WriteAsync("image/tiff", NpgsqlDbType.Varchar, ct);
                    await copy.WriteAsync("Linked", NpgsqlDbType.Varchar, ct);
                    await copy.WriteAsync("Complete", NpgsqlDbType.Varchar, ct);
                    await copy.WriteAsync($"https://archive.example.org/{r.Id}/frame_{k:0000}.tif", NpgsqlDbType.Varchar, ct);
                    await copy.WriteAsync(now, NpgsqlDbType.TimestampTz, ct);
                    await copy.WriteAsync(now, NpgsqlDbType.TimestampTz, ct);
                    await copy.WriteAsync(1L, NpgsqlDbType.Bigint, ct);
                }
            }

            await copy.CompleteAsync(ct);
        }
    }
}
