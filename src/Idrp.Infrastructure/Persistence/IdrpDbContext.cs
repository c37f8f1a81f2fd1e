using System.Linq.Expressions;
using System.Text.Json;
using System.Text.Json.Serialization;
using Idrp.Domain.Jobs;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Search;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using NpgsqlTypes;

namespace Idrp.Infrastructure.Persistence;

/// <summary>
/// The metadata store. Provider-neutral: <see cref="SqliteIdrpDbContext"/> and <see cref="PostgresIdrpDbContext"/>
/// differ only in conventions and in their migrations. Saving stamps timestamps and versions and writes one
/// <see cref="AuditEvent"/> per changed record in the same transaction.
/// </summary>
public abstract class IdrpDbContext : IdentityDbContext<Account, IdentityRole<Guid>, Guid>, IDataProtectionKeyContext
{
    private static readonly JsonSerializerOptions AuditJson = new(JsonSerializerDefaults.Web)
    {
        DictionaryKeyPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>Properties that are storage internals, not part of a record's story.</summary>
    private static readonly HashSet<string> NotAudited = [nameof(DataAsset.BlobKey), nameof(ApiToken.Hash), nameof(DataAsset.FixityCheckedAt), nameof(DataAsset.FixityStatus)];
    private readonly ChangeContext _change;

    protected IdrpDbContext(DbContextOptions options, ChangeContext? change)
        : base(options)
    {
        _change = change ?? new ChangeContext(TimeProvider.System);
    }

    public DbSet<Facility> Facilities => Set<Facility>();

    public DbSet<FacilityStaff> FacilityStaff => Set<FacilityStaff>();

    public DbSet<Instrument> Instruments => Set<Instrument>();

    public DbSet<Person> People => Set<Person>();

    public DbSet<Proposal> Proposals => Set<Proposal>();

    public DbSet<ProposalMember> ProposalMembers => Set<ProposalMember>();

    public DbSet<ProposalFacility> ProposalFacilities => Set<ProposalFacility>();

    public DbSet<Experiment> Experiments => Set<Experiment>();

    public DbSet<Sample> Samples => Set<Sample>();

    public DbSet<Measurement> Measurements => Set<Measurement>();

    public DbSet<MeasurementShare> MeasurementShares => Set<MeasurementShare>();

    public DbSet<DataAsset> DataAssets => Set<DataAsset>();

    public DbSet<Derivation> Derivations => Set<Derivation>();

    /// <summary>Categories of single data assets (an image's SEM category), from models and from people.</summary>
    public DbSet<AssetCategory> AssetCategories => Set<AssetCategory>();

    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();

    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();

    public DbSet<Upload> Uploads => Set<Upload>();

    public DbSet<Job> Jobs => Set<Job>();

    public DbSet<JobInput> JobInputs => Set<JobInput>();

    public DbSet<JobLogEntry> JobLog => Set<JobLogEntry>();

    public DbSet<JobOutput> JobOutputs => Set<JobOutput>();

    /// <summary>One per measurement: what search matches, facets and filters on (<see cref="SearchIndexer"/>).</summary>
    public DbSet<SearchDocument> SearchDocuments => Set<SearchDocument>();

    public DbSet<SearchCategory> SearchCategories => Set<SearchCategory>();

    public DbSet<SearchSetting> SearchSettings => Set<SearchSetting>();

    /// <summary>
    /// Holds the measurements' rows until the transaction ends, before their search documents are replaced, so that
    /// two transactions reindexing the same measurement (an upload and a job's outputs, say) take turns instead of
    /// both inserting its document. SQLite has one writer at a time and needs nothing.
    /// </summary>
    internal virtual Task LockForIndexingAsync(Guid[] measurementIds, CancellationToken ct) => Task.CompletedTask;

    /// <summary>
    /// The documents of <paramref name="documents"/> containing every one of <paramref name="words"/>: a stemmed term
    /// whole, or a prefix of a term where the user wrote <c>word*</c>. Words come from
    /// <see cref="Domain.Search.SearchText.QueryWords"/>, so they hold only letters and digits; they are passed as a
    /// parameter all the same.
    /// </summary>
    public abstract IQueryable<SearchDocument> WhereText(IQueryable<SearchDocument> documents, IReadOnlyList<Domain.Search.QueryWord> words);

    /// <summary>
    /// The documents of <paramref name="documents"/> containing every one of <paramref name="words"/>, as
    /// <see cref="WhereText"/> gives them, ordered by id, highest (most recently indexed) first: the order of a search's
    /// counting pass, which stops at its limit. Each provider lets the plan that stops earliest drive (on SQLite the
    /// FTS5 index yields its hits newest first and each is looked up in <paramref name="documents"/>).
    /// </summary>
    public abstract IQueryable<SearchDocument> WhereTextNewestFirst(IQueryable<SearchDocument> documents, IReadOnlyList<Domain.Search.QueryWord> words);

    /// <summary>
    /// The ids of the first <paramref name="take"/> documents of <paramref name="documents"/> that contain every one of
    /// <paramref name="words"/>, highest first: the counting pass of a search. <paramref name="alone"/> is the access rule
    /// over the text index's rows, given when <paramref name="documents"/> is the readable documents and nothing else (no
    /// facet or filter); a provider whose text index carries the access facts (PostgreSQL) then answers from that index
    /// alone.
    /// </summary>
    public virtual Task<List<long>> MatchIdsNewestFirstAsync(IQueryable<SearchDocument> documents, ReadableVectors? alone,
        IReadOnlyList<Domain.Search.QueryWord> words, int take, CancellationToken ct) =>
        WhereTextNewestFirst(documents, words).Select(d => d.Id).Take(take).ToListAsync(ct);

    /// <summary>
    /// The ids of <paramref name="documentIds"/>, documents that match <paramref name="words"/>, best match first (FTS5
    /// bm25 on SQLite, ts_rank on PostgreSQL), then by id. The caller passes documents it already found and may read,
    /// so the rank is computed for those only and nothing else is read.
    /// </summary>
    public abstract IQueryable<long> RankText(IReadOnlyList<Domain.Search.QueryWord> words, List<long> documentIds);

    /// <summary>Keys that protect session cookies; in the database so that every server of a cluster shares them.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.Entity<Account>().ToTable("accounts");
        builder.Entity<IdentityRole<Guid>>().ToTable("account_roles");
        builder.Entity<IdentityUserRole<Guid>>().ToTable("account_user_roles");
        builder.Entity<IdentityUserClaim<Guid>>().ToTable("account_claims");
        builder.Entity<IdentityUserLogin<Guid>>().ToTable("account_logins");
        builder.Entity<IdentityUserToken<Guid>>().ToTable("account_tokens");
        builder.Entity<IdentityRoleClaim<Guid>>().ToTable("account_role_claims");
        builder.Entity<DataProtectionKey>().ToTable("data_protection_keys");
        builder.ApplyConfigurationsFromAssembly(typeof(IdrpDbContext).Assembly);
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        StampAndAudit();
        var search = SearchChanges.From(ChangeTracker);
        if (search.IsEmpty)
        {
            return base.SaveChanges(acceptAllChangesOnSuccess);
        }

        // The search documents are written after the records (they are read back from them) and before the commit.
        using var own = Database.CurrentTransaction is null ? Database.BeginTransaction() : null;
        var written = base.SaveChanges(acceptAllChangesOnSuccess);
        SearchIndexer.Rebuild(this, search);
        base.SaveChanges(true);
        DetachSearchDocuments();
        own?.Commit();
        return written;
    }

    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        StampAndAudit();
        var search = SearchChanges.From(ChangeTracker);
        if (search.IsEmpty)
        {
            return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
        }

        await using var own = Database.CurrentTransaction is null ? await Database.BeginTransactionAsync(cancellationToken) : null;
        var written = await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
        await SearchIndexer.RebuildAsync(this, search, cancellationToken);
        await base.SaveChangesAsync(true, cancellationToken);
        DetachSearchDocuments();
        if (own is not null)
        {
            await own.CommitAsync(cancellationToken);
        }

        return written;
    }

    /// <summary>Search documents are write-only for the context that saves records: nothing should find them tracked later.</summary>
    private void DetachSearchDocuments()
    {
        foreach (var entry in ChangeTracker.Entries().Where(e => e.Entity is SearchDocument or SearchDocumentText or SearchCategory or SearchSetting).ToList())
        {
            entry.State = EntityState.Detached;
        }
    }

    /// <summary>Sets timestamps and versions of changed records and adds one audit event per change.</summary>
    private void StampAndAudit()
    {
        var now = _change.Clock.GetUtcNow();
        var audits = new List<(EntityEntry Entry, AuditEvent Event)>();
        foreach (var entry in ChangeTracker.Entries())
        {
            if (entry.Entity is Entity entity)
            {
                switch (entry.State)
                {
                    case EntityState.Added:
                        entity.CreatedAt = now;
                        entity.UpdatedAt = now;
                        entity.Version = 1;
                        break;
                    case EntityState.Modified:
                        entity.UpdatedAt = now;
                        entity.Version++;
                        break;
                }
            }

            // Uploads are transient transfer state; the asset they complete is audited.
            if (entry.Entity is not Upload && (entry.Entity is Entity or ApiToken or ProposalMember or MeasurementShare or Domain.Model.FacilityStaff or ProposalFacility)
                && (entry.State is EntityState.Added or EntityState.Modified or EntityState.Deleted))
            {
                audits.Add((entry, NewAuditEvent(entry, now)));
            }
        }

        foreach (var (entry, audit) in audits)
        {
            audit.After = entry.State == EntityState.Deleted ? null : Snapshot(entry, current: true);
        }

        AuditEvents.AddRange(audits.Select(a => a.Event));
    }

    private AuditEvent NewAuditEvent(EntityEntry entry, DateTimeOffset now)
    {
        var (id, proposalId) = entry.Entity switch
        {
            Proposal p => (p.Id, (Guid?)p.Id),
            IProposalScoped s and Entity e => (e.Id, s.ProposalId),
            Entity e => (e.Id, (Guid?)null),
            ApiToken t => (t.Id, (Guid?)null),
            ProposalMember m => (m.PersonId, m.ProposalId),
            MeasurementShare s => (s.PersonId, (Guid?)null),
            Domain.Model.FacilityStaff f => (f.PersonId, (Guid?)null),
            ProposalFacility f => (f.FacilityId, f.ProposalId),
            _ => (Guid.Empty, (Guid?)null),
        };
        return new AuditEvent
        {
            At = now,
            ActorId = _change.ActorId,
            Action = entry.State switch
            {
                EntityState.Added => AuditAction.Created,
                EntityState.Deleted => AuditAction.Deleted,
                _ => AuditAction.Updated,
            },
            EntityType = entry.Metadata.ClrType.Name,
            EntityId = id,
            ProposalId = proposalId,
            Before = entry.State == EntityState.Added ? null : Snapshot(entry, current: false),
        };
    }

    private static string Snapshot(EntityEntry entry, bool current)
    {
        var values = new Dictionary<string, object?>();
        foreach (var property in entry.Properties)
        {
            if (NotAudited.Contains(property.Metadata.Name))
            {
                continue;
            }

            values[property.Metadata.Name] = current ? property.CurrentValue : property.OriginalValue;
        }

        return JsonSerializer.Serialize(values, AuditJson);
    }
}

/// <summary>The embedded default: one SQLite file in WAL mode.</summary>
public sealed class SqliteIdrpDbContext(DbContextOptions<SqliteIdrpDbContext> options, ChangeContext? change = null)
    : IdrpDbContext(options, change)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite has no timestamp type; as 64-bit integers instants compare and sort correctly in SQL.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToUtcTicksConverter>();
        configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<DateTimeOffsetToUtcTicksConverter>();
    }

    /// <summary>FTS5 over the external-content table search_fts (kept in step with search_texts by triggers): its rowids.</summary>
    public override IQueryable<SearchDocument> WhereText(IQueryable<SearchDocument> documents, IReadOnlyList<Domain.Search.QueryWord> words)
    {
        var hits = Hits(words).Select(h => h.DocumentId);
        return documents.Where(d => hits.Contains(d.Id));
    }

    /// <summary>
    /// FTS5 drives: its hits come newest first (rowid descending, which the FTS5 index yields without sorting) and each is
    /// looked up by primary key in the documents, so that reading the first N readable matches stops there. A CROSS JOIN
    /// (what EF Core makes of an uncorrelated SelectMany) keeps SQLite from reordering the join: with
    /// <c>id IN (hits)</c> instead, it first collects every hit of a broad word (about 92,000 rowids for <c>island</c> at
    /// 100,000 documents) into a temporary index, and an INNER JOIN sorts all of them.
    /// </summary>
    public override IQueryable<SearchDocument> WhereTextNewestFirst(IQueryable<SearchDocument> documents, IReadOnlyList<Domain.Search.QueryWord> words) =>
        from hit in Hits(words)
        from document in documents
        where document.Id == hit.DocumentId
        orderby hit.DocumentId descending
        select document;

    /// <summary>
    /// FTS5 yields the rowids from the lowest id on with their bm25, and drops those not asked for. The unary plus keeps
    /// SQLite from handing the id list to FTS5 as rowid lookups, each of which would run the whole text query again.
    /// </summary>
    public override IQueryable<long> RankText(IReadOnlyList<Domain.Search.QueryWord> words, List<long> documentIds) =>
        Set<SearchHit>().FromSqlRaw(
            "SELECT rowid AS document_id, bm25(search_fts) AS rank FROM search_fts WHERE search_fts MATCH {0} AND rowid >= {1} AND +rowid IN (SELECT value FROM json_each({2}))",
            Domain.Search.SearchText.Fts5Query(words), documentIds.Count == 0 ? 0 : documentIds.Min(), System.Text.Json.JsonSerializer.Serialize(documentIds))
        .OrderBy(h => h.Rank).ThenBy(h => h.DocumentId).Select(h => h.DocumentId);

    private IQueryable<SearchHit> Hits(IReadOnlyList<Domain.Search.QueryWord> words) =>
        Set<SearchHit>().FromSqlRaw(
            "SELECT rowid AS document_id, bm25(search_fts) AS rank FROM search_fts WHERE search_fts MATCH {0}",
            Domain.Search.SearchText.Fts5Query(words));
}

/// <summary>Production: PostgreSQL through Npgsql.</summary>
public sealed class PostgresIdrpDbContext(DbContextOptions<PostgresIdrpDbContext> options, ChangeContext? change = null,
    PostgresTextStatistics? textStatistics = null)
    : IdrpDbContext(options, change)
{
    /// <summary>The column search_vectors.tsv (to_tsvector('simple', text) of search_texts, kept by a trigger) with its GIN index.</summary>
    private const string TextVector = "Tsv";

    internal override Task LockForIndexingAsync(Guid[] measurementIds, CancellationToken ct) =>
        // In id order, so that two transactions locking overlapping sets cannot deadlock each other; NO KEY UPDATE (what
        // an UPDATE of the row takes) does not wait for the key-share locks that inserting its data assets took.
        Database.ExecuteSqlAsync($"SELECT 1 FROM measurements WHERE id = ANY({measurementIds}) ORDER BY id FOR NO KEY UPDATE", ct);

    /// <summary>
    /// The matches as a semi-join with the documents, for searches with facets or filters. Here the query goes as text
    /// through <c>to_tsquery</c>, unlike in the other text queries: with a <c>tsquery</c> parameter the web UI's
    /// <c>graphene</c> + SEM search took 81 ms instead of 56 (p50, admin, PostgreSQL pages benchmark), the planner
    /// choosing differently once it could see the word.
    /// </summary>
    public override IQueryable<SearchDocument> WhereText(IQueryable<SearchDocument> documents, IReadOnlyList<Domain.Search.QueryWord> words)
    {
        var query = TsQueryOf(words).ToString();
        var hits = Set<SearchVector>().Where(v => EF.Property<NpgsqlTsVector>(v, TextVector).Matches(EF.Functions.ToTsQuery("simple", query))).Select(v => v.DocumentId);
        return documents.Where(d => hits.Contains(d.Id));
    }

    /// <summary>The matches by primary key, highest first.</summary>
    public override IQueryable<SearchDocument> WhereTextNewestFirst(IQueryable<SearchDocument> documents, IReadOnlyList<Domain.Search.QueryWord> words) =>
        WhereText(documents, words).OrderByDescending(d => d.Id);

    /// <summary>
    /// With the access rule alone, the vectors answer: each row the plan yields is tested against the access facts it
    /// carries. Joined to the documents instead, the planner's merge join tested the words of every vector in the id
    /// range, readable or not (36,000 vectors for 10,000 public matches of <c>island</c>), and a rare word hashed every
    /// readable document. Which plan yields the rows is chosen here from the table's statistics
    /// (<see cref="PostgresTextStatistics"/>): the GIN index collects every match and sorts them, or, for a word in
    /// many of the readable documents, a backward walk of the primary key tests the newest rows until it has enough.
    /// Either runs in a transaction of its own whose planner settings leave it the only way: left to itself, the planner
    /// chose from a generic plan that cannot see the word, or misjudged the walk's cost.
    /// </summary>
    public override async Task<List<long>> MatchIdsNewestFirstAsync(IQueryable<SearchDocument> documents, ReadableVectors? alone,
        IReadOnlyList<Domain.Search.QueryWord> words, int take, CancellationToken ct)
    {
        if (alone is null)
        {
            return await base.MatchIdsNewestFirstAsync(documents, null, words, take, ct);
        }

        var walk = textStatistics is not null && await textStatistics.PrefersWalkAsync(this, words, alone.Reader, take, ct);
        return await NewestReadableMatchesAsync(alone, words, take, walk, ct);
    }

    /// <summary>
    /// The newest readable matches from the vectors alone, by a walk of the primary key testing the whole rule on each
    /// row, or through the text indexes: one query per term of the rule (<see cref="ReadableVectors.Terms"/>), each
    /// answered by the index that holds just the rows the term may read (the partial GIN indexes of public rows and of
    /// rows shared with every signed-in user, the insider's proposals, the reader's named shares), their union then
    /// sorted. For a member and <c>strain</c> (29 % of the documents) that reads 11,000 matches instead of 29,000.
    /// </summary>
    internal async Task<List<long>> NewestReadableMatchesAsync(ReadableVectors alone, IReadOnlyList<Domain.Search.QueryWord> words, int take, bool walk,
        CancellationToken ct)
    {
        var query = TsQueryOf(words);
        IQueryable<long> Matching(Expression<Func<SearchVector, bool>> rule) =>
            Set<SearchVector>().Where(rule).Where(v => EF.Property<NpgsqlTsVector>(v, TextVector).Matches(query)).Select(v => v.DocumentId);
        var matching = walk ? Matching(alone.Rule) : alone.Terms.Select(Matching).Aggregate((all, term) => all.Union(term));
        var matches = matching.OrderByDescending(id => id).Take(take);
        if (Database.CurrentTransaction is not null)
        {
            // Settings made here would outlive this query in the caller's transaction; the planner chooses.
            return await matches.ToListAsync(ct);
        }

        // Each plan is forced by the settings of a transaction of its own, its statement tagged so that the plan
        // PostgreSQL prepares for it is never shared with the other's. No parallel workers: starting them costs more
        // than either plan at this size.
        await using var transaction = await Database.BeginTransactionAsync(ct);
        await Database.ExecuteSqlRawAsync(walk
            ? "SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL max_parallel_workers_per_gather = 0"
            : "SET LOCAL enable_indexscan = off; SET LOCAL max_parallel_workers_per_gather = 0", ct);
        var ids = await matches.TagWith(walk ? "newest matches: walk of the primary key" : "newest matches: text index, then sort").ToListAsync(ct);
        await transaction.CommitAsync(ct);
        return ids;
    }

    /// <summary>
    /// Every word, whole or as a prefix (<c>'island' &amp; 'graph':*</c>), as a tsquery value sent as the parameter itself.
    /// The words are already what the vectors hold (<see cref="Domain.Search.SearchText.QueryWords"/>: lower-case
    /// letters and digits, stemmed), so no text search configuration need parse them; and a prepared statement with
    /// <c>to_tsquery('simple', $1)</c> instead parses the query again for every row a walk or a ranking tests.
    /// </summary>
    internal static NpgsqlTsQuery TsQueryOf(IReadOnlyList<Domain.Search.QueryWord> words) =>
        words.Select(w => (NpgsqlTsQuery)new NpgsqlTsQueryLexeme(w.Term, NpgsqlTsQueryLexeme.Weight.None, w.Prefix))
            .Aggregate((left, right) => new NpgsqlTsQueryAnd(left, right));

    /// <summary>ts_rank of each document's tsvector, read by primary key.</summary>
    public override IQueryable<long> RankText(IReadOnlyList<Domain.Search.QueryWord> words, List<long> documentIds)
    {
        var query = TsQueryOf(words);
        return Set<SearchVector>().Where(t => EF.Parameter(documentIds).Contains(t.DocumentId))
            .OrderByDescending(t => EF.Property<NpgsqlTsVector>(t, TextVector).Rank(query))
            .ThenBy(t => t.DocumentId).Select(t => t.DocumentId);
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        // Written by the trigger search_texts_vector (migration SearchVectors), never by EF Core.
        var vector = builder.Entity<SearchVector>();
        vector.ToTable("search_vectors");
        vector.HasKey(v => v.DocumentId);
        vector.Property(v => v.DocumentId).ValueGeneratedNever();
        vector.Property<NpgsqlTsVector>(TextVector).HasColumnName("tsv").IsRequired();
        vector.Property(v => v.Visibility).HasConversion<string>().HasMaxLength(16);
        vector.HasIndex(TextVector).HasMethod("GIN").HasDatabaseName("ix_search_vectors_tsv");

        // The rows of the access rule's broad terms, each with a text index of its own (NewestReadableMatchesAsync):
        // anyone's, once public (an embargoed row is tested against public_from on the table), and every signed-in
        // user's. A term's predicate implies the index's, so PostgreSQL uses it for that term's query.
        vector.HasIndex([TextVector], "Public").HasMethod("GIN").HasFilter("public_from IS NOT NULL").HasDatabaseName("ix_search_vectors_tsv_public");
        vector.HasIndex([TextVector], "SignedIn").HasMethod("GIN").HasFilter("shared_with_signed_in_users").HasDatabaseName("ix_search_vectors_tsv_signed_in");
        vector.HasIndex(v => v.ProposalId).HasDatabaseName("ix_search_vectors_proposal_id");
        vector.HasIndex(v => v.MeasurementId).HasDatabaseName("ix_search_vectors_measurement_id");
        vector.HasOne<SearchDocumentText>().WithOne().HasForeignKey<SearchVector>(v => v.DocumentId).OnDelete(DeleteBehavior.Cascade);
    }
}
