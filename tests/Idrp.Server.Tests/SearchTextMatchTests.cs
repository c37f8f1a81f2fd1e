using System.Net;
using Idrp.Domain.Access;
using Idrp.Domain.Model;
using Idrp.Domain.Search;
using Idrp.Infrastructure.Persistence;
using Idrp.Infrastructure.Search;
using Idrp.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Idrp.Server.Tests.SearchCalls;

namespace Idrp.Server.Tests;

/// <summary>
/// The text match a search's counting pass reads (<see cref="IdrpDbContext.WhereTextNewestFirst"/>) gives exactly the
/// documents <see cref="IdrpDbContext.WhereText"/> gives, highest id first, under the access rule and filters, for any
/// limit below, at or past the number of matches (the capped case), on SQLite and PostgreSQL; on SQLite the FTS5 index
/// drives it, without sorting the matches. <see cref="IdrpDbContext.MatchIdsNewestFirstAsync"/> with the access rule alone
/// (on PostgreSQL answered from the text index's rows, which carry copies of the access facts, through the GIN index or
/// by a walk of the primary key) gives the same ids.
/// </summary>
public sealed class SearchTextMatchTests(IdrpServer server) : IClassFixture<IdrpServer>
{
    [Fact]
    public async Task Newest_first_matches_are_the_text_matches_by_descending_id_for_every_limit_under_the_access_rule()
    {
        var word = UniqueWord("zt");
        var admin = await server.AdminAsync();
        var pi = await admin.CreateUserAsync("Text match PI");
        var proposal = (await pi.CreateProposalAsync()).Id();
        var experiment = (await pi.CreateExperimentAsync(proposal)).Id();

        // Public and private matches, interleaved; inflected forms of the word (the same stem); one measurement without
        // the word.
        var names = new[] { word, word + "ed", "unrelated", word, word, word + "s", word, word };
        var visibilities = new[] { "public", "private", "public", "private", "public", "public", "private", "public" };
        for (var i = 0; i < names.Length; i++)
        {
            var id = (await (await pi.PostAsync("/api/v1/measurements", new { experimentId = experiment, measurementName = $"{names[i]} {i}", technique = "SEM" }))
                .ReadJsonAsync(HttpStatusCode.Created)).Id();
            if (visibilities[i] == "public")
            {
                await (await pi.PatchAsync($"/api/v1/measurements/{id}", new { visibility = "public", licence = "CC-BY-4.0" })).ReadJsonAsync(HttpStatusCode.OK);
            }
        }

        await using var scope = server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdrpDbContext>();
        var ct = TestContext.Current.CancellationToken;
        var words = SearchText.QueryWords(word);
        var anonymous = new AccessRules(Actor.Anonymous, DateTimeOffset.UtcNow).CanReadIndexed<SearchDocument>([], db.MeasurementShares.Where(_ => false).Select(s => s.MeasurementId));
        var inProposal = db.SearchDocuments.Where(d => d.ProposalId == proposal);
        var cases = new (string Name, IQueryable<SearchDocument> Documents, int Expected)[]
        {
            ("every document of the proposal", inProposal, 7),
            ("what an anonymous caller may read", inProposal.Where(anonymous), 4),
            ("public SEM", inProposal.Where(d => d.Visibility == Visibility.Public && d.Technique == "SEM"), 4),
        };

        foreach (var (name, documents, expected) in cases)
        {
            var all = await db.WhereText(documents, words).OrderByDescending(d => d.Id).Select(d => d.Id).ToListAsync(ct);
            Assert.True(expected == all.Count, $"{name}: {all.Count} matches, not {expected}");
            foreach (var limit in new[] { 1, 3, expected - 1, expected, expected + 1 })
            {
                var newestFirst = await db.WhereTextNewestFirst(documents, words).Take(limit).Select(d => d.Id).ToListAsync(ct);
                Assert.True(all.Take(limit).SequenceEqual(newestFirst), $"{name}, limit {limit}: [{string.Join(", ", newestFirst)}], not [{string.Join(", ", all.Take(limit))}]");
            }
        }

        if (db.Database.IsSqlite())
        {
            // FTS5 yields the hits newest first and each is looked up by key: no temporary index of all hits, no sort.
            await using var command = db.WhereTextNewestFirst(inProposal.Where(anonymous), words).Take(3).Select(d => d.Id).CreateDbCommand();
            command.CommandText = "EXPLAIN QUERY PLAN " + command.CommandText;
            await db.Database.OpenConnectionAsync(ct);
            var plan = new List<string>();
            await using (var reader = await command.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    plan.Add(reader.GetString(reader.FieldCount - 1));
                }
            }

            Assert.StartsWith("SCAN search_fts VIRTUAL TABLE", plan[0], StringComparison.Ordinal);
            Assert.DoesNotContain(plan, line => line.Contains("TEMP B-TREE", StringComparison.Ordinal) || line.Contains("LIST SUBQUERY", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Match_ids_from_the_text_index_alone_are_those_of_the_readable_documents_for_every_kind_of_caller()
    {
        var word = UniqueWord("zt");
        var admin = await server.AdminAsync();
        var pi = await admin.CreateUserAsync("Match ids PI");
        var named = await admin.CreateUserAsync("Match ids Named");
        var stranger = await admin.CreateUserAsync("Match ids Stranger");
        var experiment = (await pi.CreateExperimentAsync((await pi.CreateProposalAsync()).Id())).Id();

        // Private, public, public under embargo, shared with everyone signed in, shared with one person by name.
        var edits = new object?[]
        {
            null,
            new { visibility = "public" },
            new { visibility = "public", embargoUntil = DateTimeOffset.UtcNow.AddDays(30) },
            new { visibility = "shared", sharedWithSignedInUsers = true },
            new { visibility = "shared" },
        };
        Guid last = default;
        foreach (var edit in edits)
        {
            last = (await (await pi.PostAsync("/api/v1/measurements", new { experimentId = experiment, measurementName = $"{word} {Guid.NewGuid():N}" }))
                .ReadJsonAsync(HttpStatusCode.Created)).Id();
            if (edit is not null)
            {
                await (await pi.PatchAsync($"/api/v1/measurements/{last}", edit)).ReadJsonAsync(HttpStatusCode.OK);
            }
        }

        Assert.Equal(HttpStatusCode.NoContent, (await pi.PutAsync($"/api/v1/measurements/{last}/shares/{named.PersonId}", new { })).StatusCode);

        await using var scope = server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdrpDbContext>();
        var ct = TestContext.Current.CancellationToken;
        var words = SearchText.QueryWords(word);
        var proposals = await db.Measurements.Where(m => m.Id == last).Select(m => m.ProposalId).ToListAsync(ct);
        var callers = new (string Name, Actor Actor, List<Guid> Insider, int Expected)[]
        {
            ("anonymous", Actor.Anonymous, [], 1),
            ("the PI", new Actor(pi.PersonId, false, TokenScope.ReadWrite), proposals, 5),
            ("the person it was shared with", new Actor(named.PersonId, false, TokenScope.ReadWrite), [], 3),
            ("another signed-in person", new Actor(stranger.PersonId, false, TokenScope.ReadWrite), [], 2),
            ("an admin", new Actor(Guid.NewGuid(), true, TokenScope.ReadWrite), [], 5),
        };

        foreach (var (name, actor, insider, expected) in callers)
        {
            var rules = new AccessRules(actor, DateTimeOffset.UtcNow);
            var shared = actor.PersonId is { } person
                ? db.MeasurementShares.Where(x => x.PersonId == person).Select(x => x.MeasurementId)
                : db.MeasurementShares.Where(_ => false).Select(x => x.MeasurementId);
            var readable = db.SearchDocuments.Where(rules.CanReadIndexed<SearchDocument>(insider, shared));
            var viaDocuments = await db.WhereText(readable, words).OrderByDescending(d => d.Id).Select(d => d.Id).ToListAsync(ct);
            var vectors = new ReadableVectors(rules.CanReadIndexed<SearchVector>(insider, shared), rules.CanReadIndexedTerms<SearchVector>(insider, shared), actor);
            var alone = await db.MatchIdsNewestFirstAsync(readable, vectors, words, 100, ct);
            Assert.True(expected == viaDocuments.Count, $"{name}: {viaDocuments.Count} readable matches, not {expected}");
            Assert.True(viaDocuments.SequenceEqual(alone), $"{name}: [{string.Join(", ", alone)}], not [{string.Join(", ", viaDocuments)}]");
            if (db is PostgresIdrpDbContext postgres)
            {
                // Both plans PostgreSQL may be given, whichever the statistics chose above; the walk also when capped.
                foreach (var walk in new[] { false, true })
                {
                    var found = await postgres.NewestReadableMatchesAsync(vectors, words, 100, walk, ct);
                    Assert.True(viaDocuments.SequenceEqual(found), $"{name}, walk {walk}: [{string.Join(", ", found)}], not [{string.Join(", ", viaDocuments)}]");
                    var capped = await postgres.NewestReadableMatchesAsync(vectors, words, expected - 1, walk, ct);
                    Assert.True(viaDocuments.Take(expected - 1).SequenceEqual(capped), $"{name}, walk {walk}, capped: [{string.Join(", ", capped)}]");
                }
            }
        }

        if (db is PostgresIdrpDbContext)
        {
            // The statistics that choose between the two: after ANALYZE, PostgreSQL's figures for this table, which now
            // holds public rows, private ones and rows shared with every signed-in user.
            await db.Database.ExecuteSqlRawAsync("ANALYZE search_vectors", ct);
            var figures = await PostgresTextStatistics.ReadAsync(db, ct);
            Assert.True(figures.Rows >= edits.Length, figures.ToString());
            Assert.True(figures.LexemeShares.Count > 0 && figures.LexemeShares.Values.All(s => s is > 0 and <= 1), figures.ToString());
            Assert.True(figures.PublicShare is > 0 and < 1 && figures.SharedWithSignedInShare is > 0 and < 1, figures.ToString());
        }
    }
}
