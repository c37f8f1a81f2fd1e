using System.Collections.Concurrent;
using System.Text.Json;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Idrp.Server.Features.Search;

/// <summary>
/// The facet values of search documents by document id, in memory (what Lucene calls doc values), so that counting the
/// facets of 10,000 matches reads one column of the matches, their ids, instead of ten. Reading those ten columns of
/// 10,000 rows was most of what a broad word cost: on SQLite each value is a native call (a GUID three of them), on
/// PostgreSQL ten times the bytes to send and decode.
/// <para>
/// Nothing here can go stale: a search document is never updated. The indexer deletes a measurement's document and
/// inserts a new one, and ids are never reused (AUTOINCREMENT on SQLite, an identity column on PostgreSQL), so the values
/// of an id are those it was inserted with. Servers of a cluster need not tell each other anything, and the entry of a
/// deleted document is simply never asked for again. Ids the cache does not hold are read from the database, in one
/// query per 2,000. It holds at most <see cref="SearchOptions.FacetCacheSize"/> documents; past that it is emptied and
/// fills again from the searches that follow, which also drops the entries of deleted documents. The interned values
/// themselves (facility, instrument and proposal ids, techniques, licences, category lists: thousands, not millions) are
/// kept, as entries being counted at that moment still refer to them. Restoring a database backup under a running
/// server breaks the premise: restart the servers after a restore (docs/configuration.md, Backups).
/// </para>
/// </summary>
internal sealed class FacetValueCache(IOptions<SearchOptions> options)
{
    private const int ReadChunk = 2_000;

    private readonly ConcurrentDictionary<long, Entry> _entries = new();
    private readonly Interner<Guid> _ids = new();
    private readonly Interner<string> _texts = new();
    private readonly ConcurrentDictionary<int, string[]> _categoryLists = new();

    /// <summary>One document's facet values; references (<c>-1</c> for none) into the interned values.</summary>
    internal readonly record struct Entry(int Facility, int Instrument, int Proposal, int Technique, int Licence, int Categories,
        int Year, Visibility Visibility, long CollectedAtTicks);

    /// <summary>How many documents it holds (for tests and diagnostics).</summary>
    public int Count => _entries.Count;

    /// <summary>
    /// The entries of <paramref name="ids"/>, in their order; those it does not hold are read from <paramref name="db"/>.
    /// An id whose document was deleted since the caller read it is left out, as a search that started a moment later
    /// would not have found it.
    /// </summary>
    public async Task<List<(long Id, Entry Values)>> GetAsync(IdrpDbContext db, IReadOnlyList<long> ids, CancellationToken ct)
    {
        // This call's entries, held apart from the cache: another search may empty the cache meanwhile.
        var known = new Dictionary<long, Entry>(ids.Count);
        List<long>? missing = null;
        foreach (var id in ids)
        {
            if (_entries.TryGetValue(id, out var entry))
            {
                known[id] = entry;
            }
            else
            {
                (missing ??= []).Add(id);
            }
        }

        if (missing is not null)
        {
            if (_entries.Count + missing.Count > options.Value.FacetCacheSize)
            {
                _entries.Clear();
            }

            foreach (var chunk in missing.Chunk(ReadChunk))
            {
                var rows = await db.SearchDocuments.AsNoTracking().Where(d => EF.Parameter(chunk).Contains(d.Id)).Select(Values).ToListAsync(ct);
                foreach (var row in rows)
                {
                    var entry = EntryOf(row);
                    known[row.Id] = entry;
                    _entries[row.Id] = entry;
                }
            }
        }

        var found = new List<(long Id, Entry Values)>(ids.Count);
        foreach (var id in ids)
        {
            if (known.TryGetValue(id, out var entry))
            {
                found.Add((id, entry));
            }
        }

        return found;
    }

    /// <summary>
    /// Reads the values of the most recently indexed documents, newest first (the order a search counts in), as many as
    /// the cache holds while leaving room for one search's worth of others (<see cref="SearchOptions.FacetCacheSize"/>
    /// less <see cref="SearchOptions.CountLimit"/>). Run once after the server starts (<see cref="FacetValueCacheFill"/>),
    /// so that the first searches of broad words do not each read thousands of rows: the second to fourth search pages
    /// of a fresh server took 100–235 ms without it, 59–92 ms with it (SQLite, 101,000 documents). Returns how many it read.
    /// </summary>
    public async Task<int> FillAsync(IdrpDbContext db, CancellationToken ct)
    {
        const int Batch = 5 * ReadChunk;
        var room = options.Value.FacetCacheSize - options.Value.CountLimit - 1;
        var read = 0;
        long? below = null;
        while (_entries.Count < room)
        {
            var documents = db.SearchDocuments.AsNoTracking();
            if (below is { } last)
            {
                documents = documents.Where(d => d.Id < last);
            }

            var rows = await documents.OrderByDescending(d => d.Id).Take(Math.Min(Batch, room - _entries.Count)).Select(Values).ToListAsync(ct);
            foreach (var row in rows)
            {
                _entries.TryAdd(row.Id, EntryOf(row));
            }

            read += rows.Count;
            if (rows.Count == 0)
            {
                break;
            }

            below = rows[^1].Id;
        }

        return read;
    }

    /// <summary>The facility, instrument or proposal id a code stands for.</summary>
    public Guid Id(int code) => _ids.Value(code);

    /// <summary>The technique or licence a code stands for.</summary>
    public string Text(int code) => _texts.Value(code);

    /// <summary>The category values a code stands for (parsed once per distinct list).</summary>
    public string[] Categories(int code) =>
        _categoryLists.GetOrAdd(code, c => _texts.Value(c) is "[]" or "" ? [] : JsonSerializer.Deserialize<string[]>(_texts.Value(c)) ?? []);

    /// <summary>The columns of a search document an entry is made of.</summary>
    private static readonly System.Linq.Expressions.Expression<Func<Infrastructure.Search.SearchDocument, Row>> Values = d =>
        new Row(d.Id, d.FacilityId, d.InstrumentId, d.ProposalId, d.Technique, d.Licence, d.CategoryValues, d.Year, d.Visibility, d.CollectedAt);

    private Entry EntryOf(Row d) =>
        new(Code(_ids, d.FacilityId), Code(_ids, d.InstrumentId), _ids.Code(d.ProposalId), Code(_texts, d.Technique),
            Code(_texts, d.Licence), _texts.Code(d.CategoryValues), d.Year, d.Visibility, d.CollectedAt.UtcTicks);

    private static int Code<T>(Interner<T> interner, T? value)
        where T : class => value is null ? -1 : interner.Code(value);

    private static int Code(Interner<Guid> interner, Guid? value) => value is { } v ? interner.Code(v) : -1;

    private sealed record Row(long Id, Guid? FacilityId, Guid? InstrumentId, Guid ProposalId, string? Technique, string? Licence, string CategoryValues,
        int Year, Visibility Visibility, DateTimeOffset CollectedAt);

    /// <summary>
    /// Small integers for the few distinct values of a facet (facilities, instruments, proposals, techniques, licences,
    /// category lists): an entry holds these, and counting a facet counts integers. Lock-free to read; a new value takes a lock.
    /// </summary>
    private sealed class Interner<T>
        where T : notnull
    {
        private readonly ConcurrentDictionary<T, int> _codes = new();
        private readonly Lock _lock = new();
        private volatile T[] _values = new T[64];
        private int _count;

        public int Code(T value)
        {
            if (_codes.TryGetValue(value, out var code))
            {
                return code;
            }

            lock (_lock)
            {
                if (_codes.TryGetValue(value, out code))
                {
                    return code;
                }

                var values = _values;
                if (_count == values.Length)
                {
                    Array.Resize(ref values, values.Length * 2);
                }

                values[_count] = value;
                _values = values; // published before the code, so that whoever holds the code finds the value
                _codes[value] = _count;
                return _count++;
            }
        }

        public T Value(int code) => _values[code];
    }
}
