using System.Globalization;
using System.Text;
using System.Text.Json;
using Idrp.Domain.Access;
using Idrp.Domain.Model;
using Idrp.Domain.Search;
using Idrp.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace Idrp.Infrastructure.Search;

/// <summary>The records a save touches that search documents are made from.</summary>
internal sealed class SearchChanges
{
    public HashSet<Guid> Measurements { get; } = [];

    public HashSet<Guid> Samples { get; } = [];

    public HashSet<Guid> Instruments { get; } = [];

    public HashSet<Guid> Experiments { get; } = [];

    public HashSet<Guid> Proposals { get; } = [];

    public bool IsEmpty => Measurements.Count + Samples.Count + Instruments.Count + Experiments.Count + Proposals.Count == 0;

    /// <summary>Reads the change tracker before saving (afterwards the states are gone).</summary>
    public static SearchChanges From(ChangeTracker tracker)
    {
        var changes = new SearchChanges();
        foreach (var entry in tracker.Entries())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified or EntityState.Deleted))
            {
                continue;
            }

            switch (entry.Entity)
            {
                case Measurement m:
                    changes.Measurements.Add(m.Id);
                    break;
                case DataAsset a when entry.State != EntityState.Modified
                    || entry.Property(nameof(DataAsset.DataAssetName)).IsModified || entry.Property(nameof(DataAsset.MediaType)).IsModified:
                    changes.Measurements.Add(a.MeasurementId);
                    break;
                case AssetCategory c:
                    changes.Measurements.Add(c.MeasurementId);
                    break;
                case Sample s when entry.State == EntityState.Modified:
                    changes.Samples.Add(s.Id);
                    break;
                case Instrument i when entry.State == EntityState.Modified:
                    changes.Instruments.Add(i.Id);
                    break;
                case Experiment e when entry.State == EntityState.Modified:
                    changes.Experiments.Add(e.Id);
                    break;
                case Proposal p when entry.State == EntityState.Modified:
                    changes.Proposals.Add(p.Id);
                    break;
            }
        }

        return changes;
    }
}

/// <summary>
/// Builds <see cref="SearchDocument"/>s from the records. Called by <see cref="IdrpDbContext"/> after its changes are
/// written and before the transaction commits, so a search never sees a record without its document or a document
/// of a record that is gone; and once at start for measurements that have none (databases made before search).
/// </summary>
public static class SearchIndexer
{
    /// <summary>Names of at most this many data assets per measurement are searchable words of the measurement.</summary>
    public const int AssetNamesPerMeasurement = 50;

    /// <summary>Stored text is cut at this many characters.</summary>
    public const int MaxTextLength = 100_000;

    private const int Batch = 500;

    /// <summary>Replaces the documents of the changed measurements (and of those under changed samples, instruments, experiments, proposals).</summary>
    internal static async Task RebuildAsync(IdrpDbContext db, SearchChanges changes, CancellationToken ct)
    {
        var ids = changes.Measurements.ToList();
        if (changes.Samples.Count + changes.Instruments.Count + changes.Experiments.Count + changes.Proposals.Count > 0)
        {
            var samples = changes.Samples.ToList();
            var instruments = changes.Instruments.ToList();
            var experiments = changes.Experiments.ToList();
            var proposals = changes.Proposals.ToList();
            ids.AddRange(await db.Measurements.AsNoTracking()
                .Where(m => (m.SampleId != null && samples.Contains(m.SampleId.Value))
                    || (m.InstrumentId != null && instruments.Contains(m.InstrumentId.Value))
                    || experiments.Contains(m.ExperimentId) || proposals.Contains(m.ProposalId))
                .Select(m => m.Id).ToListAsync(ct));
        }

        foreach (var chunk in ids.Distinct().Order().Chunk(Batch))
        {
            await db.LockForIndexingAsync(chunk, ct);
            await db.SearchDocuments.Where(d => chunk.Contains(d.MeasurementId)).ExecuteDeleteAsync(ct);
            db.SearchDocuments.AddRange(await BuildAsync(db, chunk, ct));
        }
    }

    /// <summary>Synchronous twin of <see cref="RebuildAsync"/> for <c>SaveChanges()</c>.</summary>
    internal static void Rebuild(IdrpDbContext db, SearchChanges changes) =>
        RebuildAsync(db, changes, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>Makes documents for every measurement that has none, in batches; returns how many.</summary>
    public static async Task<int> IndexMissingAsync(IdrpDbContext db, CancellationToken ct)
    {
        var total = 0;
        while (true)
        {
            var ids = await db.Measurements.AsNoTracking()
                .Where(m => !db.SearchDocuments.Any(d => d.MeasurementId == m.Id))
                .OrderBy(m => m.Id).Select(m => m.Id).Take(Batch).ToArrayAsync(ct);
            if (ids.Length == 0)
            {
                return total;
            }

            db.SearchDocuments.AddRange(await BuildAsync(db, ids, ct));
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
            total += ids.Length;
        }
    }

    private static async Task<List<SearchDocument>> BuildAsync(IdrpDbContext db, Guid[] ids, CancellationToken ct)
    {
        var rows = await db.Measurements.AsNoTracking().Where(m => ids.Contains(m.Id))
            .Select(m => new Source(
                m.Id, m.MeasurementName, m.MeasurementDescription, m.Technique, m.DateOfCollection, m.CreatedAt,
                m.Keywords, m.Settings, m.Categories,
                m.Sample == null ? null : m.Sample.Name + " " + m.Sample.Composition + " " + m.Sample.Description + " " + m.Sample.Preparation,
                m.Instrument == null ? null : m.Instrument.Name + " " + m.Instrument.Technique + " " + m.Instrument.Manufacturer + " " + m.Instrument.Model,
                m.Instrument == null ? null : m.Instrument.FacilityId,
                m.Experiment!.Name + " " + m.Experiment.Description,
                m.Experiment.FacilityId,
                m.Proposal!.ProposalNumber + " " + m.Proposal.Title,
                m.ProposalId, m.InstrumentId, m.Licence, m.Visibility, m.EmbargoUntil, m.SharedWithSignedInUsers))
            .AsSplitQuery().ToListAsync(ct);
        var namesOf = await AssetNamesAsync(db, ids, ct);
        var assetCategories = await AssetCategoriesAsync(db, ids, ct);

        return rows.ConvertAll(r => Document(r, namesOf.GetValueOrDefault(r.Id), assetCategories.GetValueOrDefault(r.Id)));
    }

    /// <summary>
    /// The categories of each measurement's assets that count (a person's confirmation over a model's suggestion),
    /// distinct; read by the (measurement, scheme) index, so measurements without tagged assets cost one index probe.
    /// </summary>
    private static async Task<Dictionary<Guid, List<string>>> AssetCategoriesAsync(IdrpDbContext db, Guid[] ids, CancellationToken ct)
    {
        var tags = await db.AssetCategories.AsNoTracking().Where(c => ids.Contains(c.MeasurementId))
            .Select(c => new { c.MeasurementId, c.DataAssetId, c.Scheme, c.Source, c.Value }).ToListAsync(ct);
        return AssetCategory.Effective(tags, t => t.DataAssetId, t => t.Scheme, t => t.Source)
            .GroupBy(t => t.MeasurementId)
            .ToDictionary(g => g.Key, g => g.Select(t => t.Value).Distinct(StringComparer.Ordinal).ToList());
    }

    /// <summary>
    /// The first asset names of each measurement in path order, which the unique index (measurement, path, name)
    /// yields without sorting: registering the 100,000th file of a measurement reads 50 index entries, not 100,000.
    /// A few measurements (a request's save) are read one by one; a batch (start-up indexing) in one query.
    /// </summary>
    private static async Task<Dictionary<Guid, List<string>>> AssetNamesAsync(IdrpDbContext db, Guid[] ids, CancellationToken ct)
    {
        var namesOf = new Dictionary<Guid, List<string>>();
        if (ids.Length <= 8)
        {
            foreach (var id in ids)
            {
                namesOf[id] = await db.DataAssets.AsNoTracking().Where(a => a.MeasurementId == id)
                    .OrderBy(a => a.RelativePath).ThenBy(a => a.DataAssetName).Take(AssetNamesPerMeasurement)
                    .Select(a => a.RelativePath + " " + a.DataAssetName + " " + a.MediaType).ToListAsync(ct);
            }

            return namesOf;
        }

        var names = await db.DataAssets.AsNoTracking().Where(a => ids.Contains(a.MeasurementId))
            .GroupBy(a => a.MeasurementId)
            .Select(g => new { g.Key, Names = g.OrderBy(a => a.RelativePath).ThenBy(a => a.DataAssetName).Take(AssetNamesPerMeasurement).Select(a => a.RelativePath + " " + a.DataAssetName + " " + a.MediaType).ToList() })
            .ToListAsync(ct);
        foreach (var n in names)
        {
            namesOf[n.Key] = n.Names;
        }

        return namesOf;
    }

    private sealed record Source(
        Guid Id, string Name, string? Description, string? Technique, DateTimeOffset? DateOfCollection, DateTimeOffset CreatedAt,
        List<string> Keywords, List<InstrumentSetting> Settings, List<CategoryTag> Categories,
        string? Sample, string? Instrument, Guid? InstrumentFacilityId, string Experiment, Guid? ExperimentFacilityId, string Proposal,
        Guid ProposalId, Guid? InstrumentId, string? Licence, Visibility Visibility, DateTimeOffset? EmbargoUntil, bool SharedWithSignedInUsers);

    private static SearchDocument Document(Source r, List<string>? assetNames, List<string>? assetCategories)
    {
        var text = new StringBuilder();
        void Add(string? s)
        {
            if (!string.IsNullOrWhiteSpace(s))
            {
                text.Append(s).Append(' ');
            }
        }

        Add(r.Name);
        Add(r.Description);
        Add(r.Technique);
        r.Keywords.ForEach(Add);
        foreach (var s in r.Settings)
        {
            Add(s.Key);
            Add(s.Value);
            Add(s.Unit);
        }

        foreach (var c in r.Categories)
        {
            Add(c.Value);
        }

        assetCategories?.ForEach(Add);

        Add(r.Sample);
        Add(r.Instrument);
        Add(r.Experiment);
        Add(r.Proposal);
        assetNames?.ForEach(Add);

        var normalized = SearchText.Normalize(text.ToString());
        if (normalized.Length > MaxTextLength)
        {
            normalized = normalized[..normalized.LastIndexOf(' ', MaxTextLength)];
        }

        var collected = (r.DateOfCollection ?? r.CreatedAt).ToUniversalTime();
        var document = new SearchDocument
        {
            MeasurementId = r.Id,
            FacilityId = r.InstrumentFacilityId ?? r.ExperimentFacilityId,
            CollectedAt = collected,
            Year = collected.Year,
            Content = new SearchDocumentText { Text = normalized },
            ProposalId = r.ProposalId,
            InstrumentId = r.InstrumentId,
            Technique = r.Technique,
            Licence = r.Licence,
            Visibility = r.Visibility,
            PublicFrom = AccessRules.PublicFrom(r.Visibility, r.EmbargoUntil),
            SharedWithSignedInUsers = r.SharedWithSignedInUsers,
        };
        foreach (var value in r.Categories.Select(c => c.Value).Concat(assetCategories ?? []).Select(v => v.Trim()).Where(v => v.Length > 0).Distinct(StringComparer.Ordinal))
        {
            document.Categories.Add(new SearchCategory { Value = value });
        }

        document.CategoryValues = JsonSerializer.Serialize(document.Categories.ConvertAll(c => c.Value));

        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in r.Settings)
        {
            var key = SettingFilter.NormalizeKey(s.Key);
            var number = s.NumericValue ?? (double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n : (double?)null);
            if (number is not { } raw || !double.IsFinite(raw) || key.Length == 0 || !keys.Add(key))
            {
                continue;
            }

            var (value, unit) = Units.ToBase(raw, s.Unit);
            document.Settings.Add(new SearchSetting { Key = key, Unit = unit, Value = value, RawValue = raw });
        }

        return document;
    }
}
