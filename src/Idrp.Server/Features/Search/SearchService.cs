using System.Globalization;
using System.Linq.Expressions;
using System.Text.Json;
using Idrp.Domain.Access;
using Idrp.Domain.Model;
using Idrp.Domain.Search;
using Idrp.Infrastructure.Persistence;
using Idrp.Infrastructure.Search;
using Idrp.Server.Features.Measurements;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Idrp.Server.Features.Search;

/// <summary>
/// Searches measurements for one actor: full text, facets, filters, sorting and offset paging, on SQLite (FTS5) and
/// PostgreSQL (tsvector) alike. Every query starts from <see cref="AccessRules.CanReadIndexed{T}"/>, the rule every read
/// of a measurement uses (<see cref="AccessRules.CanReadMeasurement"/>) applied to the access facts the search document
/// copies, so results, totals and facet counts contain only what the actor may read.
/// A search reads one table: the proposals the actor is an insider of are resolved first (one small query), then one
/// query reads the ids of the counted matches — the most recently indexed first, at most
/// <see cref="SearchOptions.CountLimit"/> — whose facet values come from the <see cref="FacetValueCache"/>; the total
/// and the facets are counted from those, and the page comes from them, from an index-ordered query, or from ranking
/// the counted matches; only the page's measurements are read. When more match than the limit the response says
/// <see cref="SearchResponse.Capped"/>. The API endpoint and the web UI both call
/// <see cref="SearchAsync"/>.
/// </summary>
internal sealed class SearchService(IdrpDbContext db, TimeProvider clock, IOptions<SearchOptions> options, FacetValueCache facetValues)
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;
    public const int MaxOffset = 10_000;
    public const int MaxFacetValues = 20;
    public const int MaxQueryLength = 1000;
    public const int MaxFilters = 20;

    public static readonly IReadOnlyList<string> FacetNames = ["facility", "instrument", "technique", "proposal", "category", "year", "licence", "visibility"];

    private static readonly string[] Sorts = ["relevance", "newest", "oldest", "name"];

    /// <summary>The results, or the errors per parameter (as a 422 problem gives them) when the request cannot be run.</summary>
    public async Task<(SearchResponse? Response, Dictionary<string, string[]>? Errors)> SearchAsync(SearchRequest request, Actor actor, CancellationToken ct)
    {
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var parsed = Parse(request, errors);
        if (errors.Count > 0)
        {
            return (null, errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
        }

        var canRead = await CanReadAsync(actor, ct);
        var readable = db.SearchDocuments.AsNoTracking().Where(canRead.Rule<SearchDocument>());
        var filtered = await ApplyFiltersAsync(readable, parsed, ct);
        var matches = parsed.Words.Count > 0 ? db.WhereText(filtered, parsed.Words) : filtered;

        // One pass reads the ids of the counted matches: the most recently indexed first, at most CountLimit of them,
        // plus one to know whether more match. With words the text index drives it (MatchIdsNewestFirstAsync), so that a
        // word found in most documents stops at the limit instead of collecting every match first. Their facet values
        // come from the FacetValueCache, which reads from the database only the documents it does not hold yet.
        var limit = options.Value.CountLimit;
        // A text search with no facet or filter (filtered is then readable itself) may be answered by the text index alone.
        var ids = parsed.Words.Count > 0
            ? await db.MatchIdsNewestFirstAsync(filtered, ReferenceEquals(filtered, readable) ? canRead.Vectors() : null,
                parsed.Words, limit + 1, ct)
            : await filtered.OrderByDescending(d => d.Id).Select(d => d.Id).Take(limit + 1).ToListAsync(ct);
        var capped = ids.Count > limit;
        if (capped)
        {
            ids.RemoveAt(limit);
        }

        var rows = await facetValues.GetAsync(db, ids, ct);
        var total = rows.Count;
        var facets = await FacetsAsync(parsed.Facets, rows, ct);

        var page = total <= parsed.Offset ? [] : await PageAsync(matches, parsed, rows, capped, ct);
        var found = page.Count == 0
            ? []
            : await db.SearchDocuments.AsNoTracking().Where(d => page.Contains(d.Id)).Select(d => new { d.Id, Measurement = d.Measurement! }).ToListAsync(ct);
        var byId = found.ToDictionary(d => d.Id, d => d.Measurement);
        var items = page.Where(byId.ContainsKey).Select(id => byId[id].ToResponse()).ToList();

        var next = parsed.Offset + parsed.Limit < total && parsed.Offset + parsed.Limit <= MaxOffset ? parsed.Offset + parsed.Limit : (int?)null;
        return (new SearchResponse(total, capped, parsed.Offset, parsed.Limit, next, parsed.Sort, items, facets), null);
    }

    /// <summary>
    /// The access rule over search documents (and over the PostgreSQL text index's rows, which carry the same facts). The
    /// actor's insider proposals (member, PI, facility staff: the rule's <see cref="AccessRules.IsInsider"/>) are read
    /// first, so that the search itself tests a list of ids.
    /// </summary>
    private async Task<IndexedAccess> CanReadAsync(Actor actor, CancellationToken ct)
    {
        var rules = new AccessRules(actor, clock.GetUtcNow());
        var shared = actor.PersonId is { } pid
            ? db.MeasurementShares.Where(s => s.PersonId == pid).Select(s => s.MeasurementId)
            : db.MeasurementShares.Where(_ => false).Select(s => s.MeasurementId);
        if (actor.IsAdmin || actor.PersonId is null)
        {
            return new IndexedAccess(rules, [], shared);
        }

        var insider = await db.Proposals.Where(rules.IsInsider()).Select(p => p.Id).ToListAsync(ct);
        return new IndexedAccess(rules, insider, shared);
    }

    /// <summary><see cref="AccessRules.CanReadIndexed{T}"/> for one actor, over any table that copies the access facts.</summary>
    private sealed record IndexedAccess(AccessRules Rules, List<Guid> Insider, IQueryable<Guid> Shared)
    {
        public Expression<Func<T, bool>> Rule<T>()
            where T : IIndexedMeasurementAccess => Rules.CanReadIndexed<T>(Insider, Shared);

        public ReadableVectors Vectors() => new(Rule<SearchVector>(), Rules.CanReadIndexedTerms<SearchVector>(Insider, Shared), Rules.Actor);
    }

    /// <summary>
    /// The document ids of the page. Newest and oldest first come from the counted rows when they hold every match,
    /// else from the <c>(collected_at, id)</c> index over all matches; relevance ranks the most recent
    /// <see cref="SearchOptions.RankLimit"/> counted matches only, so that a common word does not rank the whole
    /// database to show 20 results.
    /// </summary>
    private async Task<List<long>> PageAsync(IQueryable<SearchDocument> matches, Parsed parsed, List<(long Id, FacetValueCache.Entry Values)> rows, bool capped, CancellationToken ct)
    {
        if (!capped && parsed.Sort is "newest" or "oldest")
        {
            var ordered = parsed.Sort == "newest"
                ? rows.OrderByDescending(r => r.Values.CollectedAtTicks).ThenByDescending(r => r.Id)
                : rows.OrderBy(r => r.Values.CollectedAtTicks).ThenBy(r => r.Id);
            return [.. ordered.Skip(parsed.Offset).Take(parsed.Limit).Select(r => r.Id)];
        }

        if (parsed.Sort == "relevance")
        {
            // The most recent RankLimit matches ranked, then any others most recent first (rows are in that order).
            var candidates = rows.Take(options.Value.RankLimit).Select(r => r.Id).ToList();
            if (parsed.Offset >= candidates.Count)
            {
                return [.. rows.Skip(parsed.Offset).Take(parsed.Limit).Select(r => r.Id)];
            }

            var ranked = await db.RankText(parsed.Words, candidates).Take(parsed.Offset + parsed.Limit).ToListAsync(ct);
            return [.. ranked.Concat(rows.Skip(candidates.Count).Select(r => r.Id)).Skip(parsed.Offset).Take(parsed.Limit)];
        }

        var query = parsed.Sort switch
        {
            "oldest" => matches.OrderBy(d => d.CollectedAt).ThenBy(d => d.Id),
            "name" => matches.OrderBy(d => d.Measurement!.MeasurementName).ThenBy(d => d.Id),
            _ => matches.OrderByDescending(d => d.CollectedAt).ThenByDescending(d => d.Id),
        };
        return await query.Select(d => d.Id).Skip(parsed.Offset).Take(parsed.Limit).ToListAsync(ct);
    }

    private async Task<IQueryable<SearchDocument>> ApplyFiltersAsync(IQueryable<SearchDocument> docs, Parsed p, CancellationToken ct)
    {
        if (p.Facilities is { } facilities)
        {
            var codes = facilities.Where(f => !Guid.TryParse(f, out _)).ToList();
            var ids = facilities.Select(f => Guid.TryParse(f, out var g) ? g : (Guid?)null).Where(g => g is not null).ToList();
            ids.AddRange(await db.Facilities.Where(f => codes.Contains(f.Code)).Select(f => (Guid?)f.Id).ToListAsync(ct));
            docs = docs.Where(d => ids.Contains(d.FacilityId));
        }

        if (p.Instruments is { } instruments)
        {
            var names = instruments.Where(i => !Guid.TryParse(i, out _)).ToList();
            var ids = instruments.Select(i => Guid.TryParse(i, out var g) ? g : (Guid?)null).Where(g => g is not null).ToList();
            ids.AddRange(await db.Instruments.Where(i => names.Contains(i.Name)).Select(i => (Guid?)i.Id).ToListAsync(ct));
            docs = docs.Where(d => ids.Contains(d.InstrumentId));
        }

        if (p.Proposals is { } proposals)
        {
            var numbers = proposals.Where(x => !Guid.TryParse(x, out _)).ToList();
            var ids = proposals.Select(x => Guid.TryParse(x, out var g) ? g : Guid.Empty).Where(g => g != Guid.Empty).ToList();
            ids.AddRange(await db.Proposals.Where(x => numbers.Contains(x.ProposalNumber)).Select(x => x.Id).ToListAsync(ct));
            docs = docs.Where(d => ids.Contains(d.ProposalId));
        }

        if (p.Techniques is { } techniques)
        {
            docs = docs.Where(d => techniques.Contains(d.Technique));
        }

        if (p.Licences is { } licences)
        {
            docs = docs.Where(d => licences.Contains(d.Licence));
        }

        if (p.Visibilities is { } visibilities)
        {
            docs = docs.Where(d => visibilities.Contains(d.Visibility));
        }

        if (p.Categories is { } categories)
        {
            docs = docs.Where(d => d.Categories.Any(c => categories.Contains(c.Value)));
        }

        if (p.Years is { } years)
        {
            docs = docs.Where(d => years.Contains(d.Year));
        }

        if (p.From is { } from)
        {
            docs = docs.Where(d => d.CollectedAt >= from);
        }

        if (p.Before is { } before)
        {
            docs = docs.Where(d => d.CollectedAt < before);
        }

        foreach (var filter in p.Settings)
        {
            // IN (the settings in range), not a correlated EXISTS: the (key, unit, value, document_id) index yields the
            // few documents in range, instead of every other candidate being probed for its setting.
            var inRange = db.SearchSettings.Where(SettingPredicate(filter)).Select(x => x.DocumentId);
            docs = docs.Where(d => inRange.Contains(d.Id));
        }

        return docs;
    }

    /// <summary>key = filter key, and the value (in the base unit, or as stored when the filter has no unit) compared.</summary>
    private static Expression<Func<SearchSetting, bool>> SettingPredicate(SettingFilter f)
    {
        var s = Expression.Parameter(typeof(SearchSetting), "s");
        Expression keyMatches = Expression.Equal(Expression.Property(s, nameof(SearchSetting.Key)), Constant(f.Key));
        if (f.BaseUnit is { } unit)
        {
            keyMatches = Expression.AndAlso(keyMatches, Expression.Equal(Expression.Property(s, nameof(SearchSetting.Unit)), Constant(unit)));
        }

        var value = Expression.Property(s, f.BaseUnit is null ? nameof(SearchSetting.RawValue) : nameof(SearchSetting.Value));
        var tolerance = Math.Max(Math.Abs(f.Value) * SettingFilter.Tolerance, 1e-300);
        Expression low = Constant(f.Value - tolerance), high = Constant(f.Value + tolerance);
        var compare = f.Op switch
        {
            Comparison.Less => Expression.LessThan(value, low),
            Comparison.LessOrEqual => Expression.LessThanOrEqual(value, high),
            Comparison.Equal => Expression.AndAlso(Expression.GreaterThanOrEqual(value, low), Expression.LessThanOrEqual(value, high)),
            Comparison.NotEqual => Expression.OrElse(Expression.LessThan(value, low), Expression.GreaterThan(value, high)),
            Comparison.GreaterOrEqual => Expression.GreaterThanOrEqual(value, low),
            _ => Expression.GreaterThan(value, high),
        };
        return Expression.Lambda<Func<SearchSetting, bool>>(Expression.AndAlso(keyMatches, compare), s);
    }

    /// <summary>A parameter, not a literal: EF Core then reuses one compiled query for every value.</summary>
    private static Expression Constant<T>(T value)
    {
        Expression<Func<T>> closure = () => value;
        return closure.Body;
    }

    /// <summary>The most frequent values first (ties by value), at most <see cref="MaxFacetValues"/>.</summary>
    private static List<(TKey Key, int Count)> Top<TKey>(IEnumerable<KeyValuePair<TKey, int>> counts)
        where TKey : notnull =>
        [.. counts.Select(c => (c.Key, Count: c.Value))
            .OrderByDescending(c => c.Count).ThenBy(c => c.Key.ToString(), StringComparer.Ordinal).Take(MaxFacetValues)];

    private static List<(TKey Key, int Count)> Top<T, TKey>(IEnumerable<T> items, Func<T, TKey> key)
        where TKey : notnull => Top(items.CountBy(key));

    /// <summary>Counts the interned codes (<see cref="FacetValueCache"/>; -1, no value, is not counted), then names the values.</summary>
    private static List<(TKey Key, int Count)> Top<T, TKey>(IEnumerable<T> items, Func<T, int> code, Func<int, TKey> value)
        where TKey : notnull =>
        Top(items.Select(code).Where(c => c >= 0).CountBy(c => c).Select(c => KeyValuePair.Create(value(c.Key), c.Value)));

    /// <summary>
    /// The facets, in the order asked for. Facility, instrument and proposal values are ids; their labels are read in one
    /// query (a UNION ALL of the three tables) for the top values only.
    /// </summary>
    private async Task<Dictionary<string, IReadOnlyList<FacetCount>>> FacetsAsync(List<string> names, List<(long Id, FacetValueCache.Entry Values)> rows, CancellationToken ct)
    {
        var counted = new Dictionary<string, IReadOnlyList<FacetCount>>(StringComparer.Ordinal);
        var byRecord = new Dictionary<string, List<(Guid Key, int Count)>>(StringComparer.Ordinal);
        foreach (var name in rows.Count == 0 ? [] : names)
        {
            switch (name)
            {
                case "facility":
                    byRecord[name] = Top(rows, r => r.Values.Facility, facetValues.Id);
                    break;
                case "instrument":
                    byRecord[name] = Top(rows, r => r.Values.Instrument, facetValues.Id);
                    break;
                case "proposal":
                    byRecord[name] = Top(rows, r => r.Values.Proposal, facetValues.Id);
                    break;
                case "category":
                {
                    // A document has any number of categories, each counted once. Documents share a few lists, so each
                    // distinct list is counted as often as it occurs.
                    var values = new Dictionary<string, int>(StringComparer.Ordinal);
                    foreach (var (list, count) in rows.CountBy(r => r.Values.Categories))
                    {
                        foreach (var value in facetValues.Categories(list))
                        {
                            values[value] = values.GetValueOrDefault(value) + count;
                        }
                    }

                    counted[name] = [.. Top(values).Select(c => new FacetCount(c.Key, c.Key, c.Count))];
                    break;
                }

                case "technique":
                    counted[name] = [.. Top(rows, r => r.Values.Technique, facetValues.Text).Select(c => new FacetCount(c.Key, c.Key, c.Count))];
                    break;
                case "licence":
                    counted[name] = [.. Top(rows, r => r.Values.Licence, facetValues.Text).Select(c => new FacetCount(c.Key, c.Key, c.Count))];
                    break;
                case "year":
                    counted[name] = [.. Top(rows, r => r.Values.Year).Select(c => new FacetCount(c.Key.ToString(CultureInfo.InvariantCulture), c.Key.ToString(CultureInfo.InvariantCulture), c.Count))];
                    break;
                default:
                    counted[name] = [.. Top(rows, r => r.Values.Visibility).Select(c => new FacetCount(JsonNamingPolicy.CamelCase.ConvertName(c.Key.ToString()), c.Key.ToString(), c.Count))];
                    break;
            }
        }

        if (byRecord.Count > 0)
        {
            var labels = await LabelsAsync(byRecord, ct);
            foreach (var (name, counts) in byRecord)
            {
                // A facility, instrument or proposal deleted since it was counted has no label and is left out.
                counted[name] = [.. counts.Where(c => labels.ContainsKey(c.Key))
                    .Select(c => new FacetCount(name == "instrument" ? c.Key.ToString() : labels[c.Key].Value, labels[c.Key].Name, c.Count))];
            }
        }

        return names.ToDictionary(n => n, n => counted.GetValueOrDefault(n) ?? [], StringComparer.Ordinal);
    }

    /// <summary>The value and label of each facility (code, name), instrument (name) and proposal (number, title) counted, by id.</summary>
    private async Task<Dictionary<Guid, Label>> LabelsAsync(Dictionary<string, List<(Guid Key, int Count)>> byRecord, CancellationToken ct)
    {
        List<Guid> Keys(string facet) => byRecord.TryGetValue(facet, out var counts) ? counts.ConvertAll(c => c.Key) : [];
        var facilities = Keys("facility");
        var instruments = Keys("instrument");
        var proposals = Keys("proposal");
        var query = db.Facilities.Where(f => facilities.Contains(f.Id)).Select(f => new Label { Id = f.Id, Value = f.Code, Name = f.Name })
            .Concat(db.Instruments.Where(i => instruments.Contains(i.Id)).Select(i => new Label { Id = i.Id, Value = i.Name, Name = i.Name }))
            .Concat(db.Proposals.Where(p => proposals.Contains(p.Id)).Select(p => new Label { Id = p.Id, Value = p.ProposalNumber, Name = p.Title }));
        return await query.ToDictionaryAsync(l => l.Id, ct);
    }

    /// <summary>A row of <see cref="LabelsAsync"/>; set by member initialisation, which EF Core can translate on each side of a UNION ALL.</summary>
    private sealed class Label
    {
        public Guid Id { get; init; }

        public required string Value { get; init; }

        public required string Name { get; init; }
    }

    private sealed class Parsed
    {
        public List<QueryWord> Words { get; set; } = [];

        public List<string>? Facilities { get; set; }

        public List<string>? Instruments { get; set; }

        public List<string>? Proposals { get; set; }

        public List<string?>? Techniques { get; set; }

        public List<string?>? Licences { get; set; }

        public List<Visibility>? Visibilities { get; set; }

        public List<string>? Categories { get; set; }

        public List<int>? Years { get; set; }

        public DateTimeOffset? From { get; set; }

        public DateTimeOffset? Before { get; set; }

        public List<SettingFilter> Settings { get; } = [];

        public string Sort { get; set; } = "newest";

        public List<string> Facets { get; set; } = [];

        public int Offset { get; set; }

        public int Limit { get; set; } = DefaultLimit;
    }

    private static Parsed Parse(SearchRequest r, Dictionary<string, List<string>> errors)
    {
        void Error(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }

            list.Add(message);
        }

        var p = new Parsed();
        if (r.Q is { Length: > MaxQueryLength })
        {
            Error("q", $"The search text is at most {MaxQueryLength} characters.");
        }
        else
        {
            p.Words = SearchText.QueryWords(r.Q);
            if (!string.IsNullOrWhiteSpace(r.Q) && p.Words.Count == 0)
            {
                Error("q", "The search text has no letters or digits to search for.");
            }
        }

        static List<string>? Values(string[]? values) =>
            values?.SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).Distinct(StringComparer.Ordinal).ToList() is { Count: > 0 } list ? list : null;

        p.Facilities = Values(r.Facility);
        p.Instruments = Values(r.Instrument);
        p.Proposals = Values(r.Proposal);
        p.Techniques = Values(r.Technique)?.ConvertAll(t => (string?)t);
        p.Licences = Values(r.Licence)?.ConvertAll(t => (string?)t);
        p.Categories = r.Category?.Where(c => !string.IsNullOrWhiteSpace(c)).Select(c => c.Trim()).ToList() is { Count: > 0 } cats ? cats : null;
        if (Values(r.Visibility) is { } visibilities)
        {
            p.Visibilities = [];
            foreach (var v in visibilities)
            {
                if (Enum.TryParse<Visibility>(v, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(v, out _))
                {
                    p.Visibilities.Add(parsed);
                }
                else
                {
                    Error("visibility", $"'{v}' is not a visibility; use private, shared or public.");
                }
            }
        }

        if (Values(r.Year) is { } years)
        {
            p.Years = [];
            foreach (var y in years)
            {
                if (int.TryParse(y, NumberStyles.None, CultureInfo.InvariantCulture, out var year) && year is >= 1 and <= 9999)
                {
                    p.Years.Add(year);
                }
                else
                {
                    Error("year", $"'{y}' is not a year.");
                }
            }
        }

        if (r.From is { } fromText)
        {
            if (ParseDate(fromText) is { } from)
            {
                p.From = from.Start;
            }
            else
            {
                Error("from", $"'{fromText}' is not a date; write 2018, 2018-05, 2018-05-17 or an ISO 8601 instant.");
            }
        }

        if (r.To is { } toText)
        {
            if (ParseDate(toText) is { } to)
            {
                p.Before = to.End;
            }
            else
            {
                Error("to", $"'{toText}' is not a date; write 2018, 2018-05, 2018-05-17 or an ISO 8601 instant.");
            }
        }

        if (p.From is { } f && p.Before is { } b && b <= f)
        {
            Error("to", "The end of the date range is before its start.");
        }

        var filters = r.Filter?.Where(x => !string.IsNullOrWhiteSpace(x)).ToList() ?? [];
        if (filters.Count > MaxFilters)
        {
            Error("filter", $"At most {MaxFilters} setting filters.");
        }
        else
        {
            foreach (var text in filters)
            {
                if (SettingFilter.TryParse(text, out var filter, out var error))
                {
                    p.Settings.Add(filter!);
                }
                else
                {
                    Error("filter", error);
                }
            }
        }

        var sort = string.IsNullOrWhiteSpace(r.Sort) ? (p.Words.Count > 0 ? "relevance" : "newest") : r.Sort.Trim().ToLowerInvariant();
        if (!Sorts.Contains(sort))
        {
            Error("sort", $"'{r.Sort}' is not a sort order; use {string.Join(", ", Sorts)}.");
        }
        else if (sort == "relevance" && p.Words.Count == 0)
        {
            Error("sort", "Sorting by relevance needs search text (q).");
        }

        p.Sort = sort;
        var facets = string.IsNullOrWhiteSpace(r.Facets) ? "all" : r.Facets;
        foreach (var facet in facets.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(x => x.ToLowerInvariant()))
        {
            if (facet == "all")
            {
                p.Facets.AddRange(FacetNames);
            }
            else if (facet == "none")
            {
                continue;
            }
            else if (FacetNames.Contains(facet))
            {
                p.Facets.Add(facet);
            }
            else
            {
                Error("facets", $"'{facet}' is not a facet; use {string.Join(", ", FacetNames)}, all or none.");
            }
        }

        p.Facets = [.. p.Facets.Distinct(StringComparer.Ordinal)];
        if (r.Offset is < 0 or > MaxOffset)
        {
            Error("offset", $"The offset is 0 to {MaxOffset}; narrow the search to go further.");
        }

        if (r.Limit is < 1 or > MaxLimit)
        {
            Error("limit", $"The limit is 1 to {MaxLimit}.");
        }

        p.Offset = r.Offset ?? 0;
        p.Limit = r.Limit ?? DefaultLimit;
        return p;
    }

    /// <summary>A year, month, day or instant as the range [Start, End) it covers (UTC).</summary>
    internal static (DateTimeOffset Start, DateTimeOffset End)? ParseDate(string text)
    {
        text = text.Trim();
        var styles = DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal;
        if (DateTimeOffset.TryParseExact(text, "yyyy", CultureInfo.InvariantCulture, styles, out var year))
        {
            return (year, year.AddYears(1));
        }

        if (DateTimeOffset.TryParseExact(text, "yyyy-MM", CultureInfo.InvariantCulture, styles, out var month))
        {
            return (month, month.AddMonths(1));
        }

        if (DateTimeOffset.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, styles, out var day))
        {
            return (day, day.AddDays(1));
        }

        if (text.Contains('T', StringComparison.Ordinal)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, styles, out var instant))
        {
            return (instant, instant.AddTicks(1));
        }

        return null;
    }
}
