using System.Net;
using System.Text.Json.Nodes;
using Idrp.Testing;
using static Idrp.Server.Tests.SearchCalls;

namespace Idrp.Server.Tests;

/// <summary>
/// GET /api/v1/search: text, facets, filters, sorting and paging, on whichever database the suite runs on.
/// Every test marks its records with a word of its own, so that records of other tests never match.
/// </summary>
public sealed class SearchTests(IdrpServer server) : IClassFixture<IdrpServer>
{
    private static async Task<Guid> MeasurementAsync(ApiClient client, Guid experimentId, object body)
    {
        var node = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(body))!.AsObject();
        node["experimentId"] = experimentId.ToString();
        return (await (await client.PostRawAsync("/api/v1/measurements", node.ToJsonString())).ReadJsonAsync(HttpStatusCode.Created)).Id();
    }

    [Fact]
    public async Task No_private_record_leaks_through_text_hits_totals_facet_counts_or_pages()
    {
        var word = UniqueWord();
        var admin = await server.AdminAsync();
        var facility = await admin.CreateFacilityAsync();
        var pi = await admin.CreateUserAsync("Search PI");
        var sharee = await admin.CreateUserAsync("Search Sharee");
        var stranger = await admin.CreateUserAsync("Search Stranger");
        var other = await admin.CreateUserAsync("Search Other PI");

        var proposal = (await pi.CreateProposalAsync(facility.Id())).Id();
        var experiment = (await pi.CreateExperimentAsync(proposal)).Id();
        var all = new Dictionary<Guid, string>();
        async Task Add(ApiClient owner, Guid exp, string visibility, string technique, string category, bool shareWithSharee = false)
        {
            var id = await MeasurementAsync(owner, exp, new
            {
                measurementName = $"{word} {visibility} {technique}",
                technique,
                categories = new[] { new { scheme = "sem-category", value = category } },
                licence = visibility == "public" ? "CC-BY-4.0" : null,
            });
            if (shareWithSharee)
            {
                Assert.Equal(HttpStatusCode.NoContent, (await owner.PutAsync($"/api/v1/measurements/{id}/shares/{sharee.PersonId}", new { })).StatusCode);
            }

            if (visibility != "private")
            {
                await (await owner.PatchAsync($"/api/v1/measurements/{id}", new { visibility })).ReadJsonAsync(HttpStatusCode.OK);
            }

            all[id] = technique;
        }

        await Add(pi, experiment, "private", "PRIVTECH", "PrivateCategory");
        await Add(pi, experiment, "private", "PRIVTECH", "PrivateCategory");
        await Add(pi, experiment, "private", "SEM", "Particles");
        await Add(pi, experiment, "shared", "SHAREDTECH", "Fibres", shareWithSharee: true);
        await Add(pi, experiment, "public", "SEM", "Particles");
        await Add(pi, experiment, "public", "STM", "Tips");

        var otherProposal = (await other.CreateProposalAsync()).Id();
        var otherExperiment = (await other.CreateExperimentAsync(otherProposal)).Id();
        await Add(other, otherExperiment, "private", "OTHERTECH", "OtherSecret", shareWithSharee: false);

        var clients = new Dictionary<string, ApiClient>
        {
            ["admin"] = admin, ["pi"] = pi, ["sharee"] = sharee, ["stranger"] = stranger, ["other"] = other, ["anonymous"] = server.Anonymous(),
        };
        var expectedCounts = new Dictionary<string, int> { ["admin"] = 7, ["pi"] = 6, ["sharee"] = 3, ["stranger"] = 2, ["other"] = 3, ["anonymous"] = 2 };
        foreach (var (name, client) in clients)
        {
            // What this actor may read, asked the way every read asks: one GET per record.
            var readable = new HashSet<Guid>();
            foreach (var id in all.Keys)
            {
                if ((await client.GetAsync($"/api/v1/measurements/{id}")).StatusCode == HttpStatusCode.OK)
                {
                    readable.Add(id);
                }
            }

            Assert.Equal(expectedCounts[name], readable.Count);

            var result = await SearchAsync(client, $"q={word}&limit=100");
            Assert.Equal(readable.Count, result["total"]!.GetValue<int>());
            Assert.False(result["capped"]!.GetValue<bool>());
            Assert.Equal(readable.OrderBy(x => x), Ids(result).OrderBy(x => x));

            // Facet counts add up to the readable records and name only readable values.
            var techniques = Facet(result, "technique");
            Assert.Equal(readable.GroupBy(id => all[id]).ToDictionary(g => g.Key, g => g.Count()), techniques);
            Assert.Equal(readable.Count, Facet(result, "visibility").Values.Sum());
            Assert.Equal(readable.Count, Facet(result, "proposal").Values.Sum());
            var categories = Facet(result, "category");
            Assert.Equal(readable.Count, categories.Values.Sum());
            if (name is "stranger" or "anonymous" or "sharee")
            {
                Assert.DoesNotContain("PrivateCategory", categories.Keys);
                Assert.DoesNotContain("OtherSecret", categories.Keys);
                Assert.DoesNotContain("PRIVTECH", techniques.Keys);
            }

            // Pages of one: every page holds a readable record, none twice, and the pages end where the total says.
            var paged = new List<Guid>();
            int? offset = 0;
            while (offset is { } o)
            {
                var page = await SearchAsync(client, $"q={word}&limit=1&offset={o}&sort=name&facets=none");
                Assert.Equal(readable.Count, page["total"]!.GetValue<int>());
                paged.AddRange(Ids(page));
                offset = page["next"]?.GetValue<int>();
            }

            Assert.Equal(readable.OrderBy(x => x), paged.OrderBy(x => x));
            Assert.Equal(paged.Count, paged.Distinct().Count());

            // A filter on a value only private records have finds nothing for outsiders, not even a count.
            var secret = await SearchAsync(client, $"q={word}&category=OtherSecret");
            Assert.Equal(name is "admin" or "other" ? 1 : 0, secret["total"]!.GetValue<int>());
            var insider = name is "admin" or "other";
            Assert.Equal(insider ? 1 : 0, Facet(secret, "visibility").Values.Sum());
            Assert.Equal(insider ? 1 : 0, Facet(secret, "technique").Values.Sum());
            Assert.Equal(insider ? 1 : 0, Facet(secret, "proposal").Values.Sum());
            if (!insider)
            {
                Assert.All(secret["facets"]!.AsObject(), f => Assert.Empty(f.Value!.AsArray()));
            }

            // Without text, the same: facets over everything this actor may see contain no hidden value.
            var facetsOnly = await SearchAsync(client, "technique=OTHERTECH&facets=technique,category,proposal");
            Assert.Equal(name is "admin" or "other" ? 1 : 0, facetsOnly["total"]!.GetValue<int>());
            if (name is not ("admin" or "other"))
            {
                Assert.Empty(facetsOnly["items"]!.AsArray());
                Assert.Empty(facetsOnly["facets"]!["category"]!.AsArray());
            }
        }

        // Making a record private again takes it out of outsiders' results at once.
        var publicSem = all.First(kv => kv.Value == "STM").Key;
        await (await pi.PatchAsync($"/api/v1/measurements/{publicSem}", new { visibility = "private" })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(1, (await SearchAsync(stranger, $"q={word}"))["total"]!.GetValue<int>());
        Assert.Equal(1, (await SearchAsync(server.Anonymous(), $"q={word}"))["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task Words_of_the_measurement_its_sample_instrument_and_files_are_found_and_follow_every_edit()
    {
        var word = UniqueWord();
        var admin = await server.AdminAsync();
        var facility = await admin.CreateFacilityAsync();
        var instrument = await (await admin.PostAsync("/api/v1/instruments", new { facilityId = facility.Id(), name = "Zeiss Supra " + word + "i", technique = "SEM" }))
            .ReadJsonAsync(HttpStatusCode.Created);
        var pi = await admin.CreateUserAsync("Words PI");
        var proposal = (await pi.CreateProposalAsync(facility.Id())).Id();
        var experiment = (await pi.CreateExperimentAsync(proposal)).Id();
        var sample = await (await pi.PostAsync("/api/v1/samples", new { proposalId = proposal, name = word + "s", composition = "Si0.8Ge0.2", preparation = "Annealed at 600 °C" }))
            .ReadJsonAsync(HttpStatusCode.Created);
        var id = await MeasurementAsync(pi, experiment, new
        {
            measurementName = "Island field " + word,
            measurementDescription = "Tilted thirty degrees, Müller's recipe, on graphene",
            technique = "SEM",
            sampleId = sample.Id(),
            instrumentId = instrument.Id(),
            settings = new object[] { new { key = "Detector", value = "InLens" + word }, new { key = "EHT", value = 5, unit = "kV" } },
            keywords = new[] { "SiGe", "kw" + word },
            categories = new[] { new { scheme = "sem-category", value = "Nanowires" } },
        });

        async Task<List<Guid>> Find(string q) => Ids(await SearchAsync(pi, "q=" + Uri.EscapeDataString(q)));
        Assert.Equal([id], await Find(word));
        Assert.Equal([id], await Find($"island {word}"));
        Assert.Equal([id], await Find($"MULLER {word}"));                  // case and accents do not matter
        Assert.Equal([id], await Find($"Si0.8Ge0.2 {word}"));              // sample composition, punctuation and all
        Assert.Equal([id], await Find("InLens" + word));                   // a setting's text value
        Assert.Equal([id], await Find("kw" + word));                       // a keyword
        Assert.Equal([id], await Find($"nanowires {word}"));               // a category
        Assert.Equal([id], await Find($"{word}i supra"));                  // the instrument
        Assert.Equal([id], await Find($"{word}s annealed"));               // the sample's preparation
        Assert.Equal([id], await Find($"islands {word}"));                 // words match by their stems: islands finds Island
        Assert.Equal([id], await Find($"tilting {word}"));                 // and tilting finds Tilted
        Assert.Equal([id], await Find(word[..8] + "* island"));            // a word with * is a prefix, with a whole word
        Assert.Empty(await Find(word[..8] + " island"));                   // without it, a word matches whole only
        Assert.Equal([id], await Find($"graph* {word}"));                  // graph* finds graphene
        Assert.Empty(await Find($"graph {word}"));                         // graph does not
        Assert.Equal([id], await Find($"graphene* {word}"));               // a prefix still finds the word it spells (graphene is indexed as graphen)
        Assert.Equal([id], await Find($"8ge0* {word}"));                   // words with digits are not stemmed
        Assert.Empty(await Find($"{word} absentword"));                    // every word must occur

        var facets = await SearchAsync(pi, "q=" + word);
        Assert.Equal(new Dictionary<string, int> { [facility["code"]!.GetValue<string>()] = 1 }, Facet(facets, "facility"));
        Assert.Equal(new Dictionary<string, int> { [instrument.Id().ToString()] = 1 }, Facet(facets, "instrument"));
        Assert.Equal(new Dictionary<string, int> { ["Nanowires"] = 1 }, Facet(facets, "category"));

        // A file's name is a word of its measurement.
        await pi.CreateLinkedAssetAsync(id, $"overview_{word}f.tif");
        Assert.Equal([id], await Find(word + "f"));

        // Edits of the measurement and of the sample it refers to are searchable at once; old words are gone.
        await (await pi.PatchAsync($"/api/v1/measurements/{id}", new { measurementName = "Renamed " + word + "r" })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal([id], await Find(word + "r"));
        Assert.Empty(await Find($"island {word}"));
        await (await pi.PatchAsync($"/api/v1/samples/{sample.Id()}", new { name = word + "new" })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal([id], await Find(word + "new"));
        Assert.Empty(await Find(word + "s"));

        // Deleting the file and then the measurement takes them out of the index.
        var asset = (await (await pi.GetAsync($"/api/v1/data-assets?measurementId={id}")).ReadJsonAsync(HttpStatusCode.OK))["items"]![0]!.Id();
        Assert.Equal(HttpStatusCode.NoContent, (await pi.DeleteAsync($"/api/v1/data-assets/{asset}")).StatusCode);
        Assert.Empty(await Find(word + "f"));
        Assert.Equal(HttpStatusCode.NoContent, (await pi.DeleteAsync($"/api/v1/measurements/{id}")).StatusCode);
        Assert.Empty(await Find(word + "r"));
    }

    [Fact]
    public async Task Numeric_filters_compare_in_base_units_and_dates_and_years_filter_by_collection()
    {
        var word = UniqueWord();
        var admin = await server.AdminAsync();
        var pi = await admin.CreateUserAsync("Filter PI");
        var proposal = (await pi.CreateProposalAsync()).Id();
        var experiment = (await pi.CreateExperimentAsync(proposal)).Id();
        async Task<Guid> Add(string name, object[] settings, string collected) => await MeasurementAsync(pi, experiment, new
        {
            measurementName = word + " " + name,
            settings,
            dateOfCollection = DateTimeOffset.Parse(collected, System.Globalization.CultureInfo.InvariantCulture),
        });

        var kv3 = await Add("three", [new { key = "EHT", value = 3, unit = "kV" }, new { key = "WD", value = 4.2, unit = "mm" }], "2017-06-01T10:00:00Z");
        var kv5 = await Add("five", [new { key = "EHT", value = 5, unit = "kV" }, new { key = "WD", value = 0.005, unit = "m" }], "2018-01-01T00:00:00Z");
        var v10000 = await Add("ten", [new { key = "eht", value = 10000, unit = "V" }, new { key = "Magnification", value = 50000, unit = "x" }], "2018-12-31T23:59:59Z");
        var kv20 = await Add("twenty", [new { key = "EHT", value = "20", unit = "kV" }, new { key = "Pressure", value = 2e-6, unit = "mbar" }], "2019-03-03T00:00:00Z");

        async Task<List<Guid>> Find(string query) =>
            [.. Ids(await SearchAsync(pi, $"q={word}&sort=oldest&" + query))];
        string F(string filter) => "filter=" + Uri.EscapeDataString(filter);

        Assert.Equal([v10000, kv20], await Find(F("EHT>5kV")));
        Assert.Equal([kv5, v10000, kv20], await Find(F("EHT >= 5000 V")));
        Assert.Equal([kv5], await Find(F("eht=5kV")));
        Assert.Equal([kv3, v10000, kv20], await Find(F("EHT!=5kV")));
        Assert.Equal([kv3, kv5], await Find(F("EHT<0.01MV")));
        Assert.Equal([kv3, kv5, kv20], await Find(F("EHT<100")));          // no unit: the number as stored
        Assert.Equal([kv3], await Find(F("WD<=4.5mm")));                    // 0.005 m is 5 mm
        Assert.Equal([v10000], await Find(F("Magnification=50kx")));
        Assert.Equal([kv20], await Find(F("Pressure<1e-3Pa")));             // 2e-6 mbar = 2e-4 Pa
        Assert.Equal([kv5], await Find(F("EHT>4kV") + "&" + F("EHT<6kV")));
        Assert.Empty(await Find(F("EHT>5mA")));                             // another quantity never matches

        Assert.Equal([kv5, v10000], await Find("from=2018&to=2018"));
        Assert.Equal([kv5, v10000], await Find("year=2018"));
        Assert.Equal([kv3, kv20], await Find("year=2017&year=2019"));
        Assert.Equal([kv3, kv5], await Find("to=2018-01-01"));
        Assert.Equal([v10000, kv20], await Find("from=2018-06"));
        var years = Facet(await SearchAsync(pi, $"q={word}&facets=year"), "year");
        Assert.Equal(new Dictionary<string, int> { ["2017"] = 1, ["2018"] = 2, ["2019"] = 1 }, years);

        Assert.Equal([kv5, v10000, kv3, kv20], Ids(await SearchAsync(pi, $"q={word}&sort=name")));      // five, ten, three, twenty
        Assert.Equal([kv20, v10000, kv5, kv3], Ids(await SearchAsync(pi, $"q={word}&sort=newest")));
    }

    [Theory]
    [InlineData("filter=EHT%3E%3E5", "filter")]
    [InlineData("filter=%3E5kV", "filter")]
    [InlineData("filter=EHT%20five%20kV", "filter")]
    [InlineData("sort=best", "sort")]
    [InlineData("sort=relevance", "sort")]
    [InlineData("facets=colour", "facets")]
    [InlineData("year=MMXVIII", "year")]
    [InlineData("visibility=secret", "visibility")]
    [InlineData("from=yesterday", "from")]
    [InlineData("from=2019&to=2018", "to")]
    [InlineData("limit=0", "limit")]
    [InlineData("offset=20000", "offset")]
    [InlineData("q=%2A%2A%2A%20%22%22", "q")]
    public async Task A_malformed_parameter_is_a_422_problem_naming_it(string query, string field)
    {
        var admin = await server.AdminAsync();
        var problem = await (await admin.GetAsync("/api/v1/search?" + query)).ReadProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Equal("https://idrp.dev/problems/validation", problem["type"]!.GetValue<string>());
        Assert.NotEmpty(problem["errors"]![field]!.AsArray());
    }

    [Theory]
    [InlineData("\"unbalanced AND (")]
    [InlineData("NEAR(a b) OR c* ^d -e")]
    [InlineData("text:foo {bar} [baz]")]
    [InlineData("'; DROP TABLE search_documents; --")]
    [InlineData("a & b | !c <-> d:* \\")]
    public async Task Search_text_with_engine_syntax_is_searched_as_words_never_an_error(string q)
    {
        var word = UniqueWord();
        var admin = await server.AdminAsync();
        var pi = await admin.CreateUserAsync("Syntax PI");
        var experiment = (await pi.CreateExperimentAsync((await pi.CreateProposalAsync()).Id())).Id();
        var id = await MeasurementAsync(pi, experiment, new { measurementName = word + " " + q });

        var result = await SearchAsync(pi, "q=" + Uri.EscapeDataString(q + " " + word));
        Assert.Equal([id], Ids(result));
    }
}
