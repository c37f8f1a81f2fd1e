using System.Net;
using System.Text;
using Idrp.Testing;

namespace Idrp.Server.Tests;

/// <summary>Bad requests get RFC 9457 problem details with the right status, never a 500, and change nothing.</summary>
public sealed class ProblemDetailsTests(IdrpServer server) : IClassFixture<IdrpServer>
{
    [Fact]
    public async Task Malformed_json_is_400()
    {
        var admin = await server.AdminAsync();
        var problem = await (await admin.PostRawAsync("/api/v1/facilities", "{\"code\": \"X\", ")).ReadProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("JSON", problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task Unknown_fields_and_wrong_types_are_400()
    {
        var admin = await server.AdminAsync();
        await (await admin.PostRawAsync("/api/v1/facilities", "{\"code\": \"X\", \"name\": \"n\", \"colour\": \"red\"}")).ReadProblemAsync(HttpStatusCode.BadRequest);
        await (await admin.PostRawAsync("/api/v1/facilities", "{\"code\": 5, \"name\": \"n\"}")).ReadProblemAsync(HttpStatusCode.BadRequest);
        await (await admin.PostRawAsync("/api/v1/proposals", "{\"proposalNumber\": \"N\", \"title\": \"t\", \"startDate\": \"yesterday\"}")).ReadProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Binding_errors_are_400_in_the_words_of_http_not_of_csharp()
    {
        var admin = await server.AdminAsync();
        var limit = await (await admin.GetAsync("/api/v1/measurements?limit=abc")).ReadProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("The parameter 'limit' cannot be 'abc'.", limit["detail"]!.GetValue<string>());
        var facility = await admin.CreateFacilityAsync();
        using var empty = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/facilities/{facility.Id()}");
        var noBody = await (await admin.Http.SendAsync(empty)).ReadProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("This request needs a JSON body.", noBody["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task Bad_paging_cursor_is_400()
    {
        var admin = await server.AdminAsync();
        await (await admin.GetAsync("/api/v1/measurements?after=not-a-cursor")).ReadProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Writing_without_credentials_is_401_and_a_bad_token_too()
    {
        await (await server.Anonymous().PostAsync("/api/v1/proposals", new { proposalNumber = "N-1", title = "t" })).ReadProblemAsync(HttpStatusCode.Unauthorized);
        var forged = new ApiClient(server.NewHttpClient(), server, "idrp_" + new string('x', 43));
        var response = await forged.GetAsync("/api/v1/account");
        await response.ReadProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task Non_admins_get_403_for_admin_work()
    {
        var admin = await server.AdminAsync();
        var user = await admin.CreateUserAsync("Gina");
        await (await user.PostAsync("/api/v1/facilities", new { code = "NOPE", name = "Nope" })).ReadProblemAsync(HttpStatusCode.Forbidden);
        await (await user.PostAsync("/api/v1/people", new { displayName = "Someone" })).ReadProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Missing_records_are_404()
    {
        var admin = await server.AdminAsync();
        var problem = await (await admin.GetAsync($"/api/v1/measurements/{Guid.CreateVersion7()}")).ReadProblemAsync(HttpStatusCode.NotFound);
        Assert.Contains("/api/v1/measurements/", problem["instance"]!.GetValue<string>());
        await (await admin.GetAsync("/api/v1/no-such-endpoint")).ReadProblemAsync(HttpStatusCode.NotFound);
        await (await admin.PostAsync("/api/v1/experiments", new { proposalId = Guid.CreateVersion7(), name = "x" })).ReadProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Duplicates_are_409_and_the_first_record_is_kept()
    {
        var admin = await server.AdminAsync();
        var facility = await admin.CreateFacilityAsync("DUP-1");
        await (await admin.PostAsync("/api/v1/facilities", new { code = "DUP-1", name = "Second" })).ReadProblemAsync(HttpStatusCode.Conflict);
        var kept = await (await admin.GetAsync($"/api/v1/facilities/{facility.Id()}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("Facility DUP-1", kept["name"]!.GetValue<string>());

        var user = await admin.CreateUserAsync("Hal");
        var proposal = await user.CreateProposalAsync();
        var number = proposal["proposalNumber"]!.GetValue<string>();
        await (await user.PostAsync("/api/v1/proposals", new { proposalNumber = number, title = "again" })).ReadProblemAsync(HttpStatusCode.Conflict);

        var measurement = (await user.CreateMeasurementAsync((await user.CreateExperimentAsync(proposal.Id())).Id())).Id();
        await user.CreateLinkedAssetAsync(measurement, "same.tif");
        await (await user.PostAsync("/api/v1/data-assets", new { measurementId = measurement, dataAssetName = "same.tif", relativePath = "raw/day1" }))
            .ReadProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Stale_edits_are_412_and_leave_the_record_unchanged()
    {
        var admin = await server.AdminAsync();
        var facility = await admin.CreateFacilityAsync();
        await (await admin.PatchAsync($"/api/v1/facilities/{facility.Id()}", new { name = "first" }, "\"1\"")).ReadJsonAsync(HttpStatusCode.OK);
        await (await admin.PatchAsync($"/api/v1/facilities/{facility.Id()}", new { name = "second" }, "\"1\"")).ReadProblemAsync(HttpStatusCode.PreconditionFailed);
        await (await admin.DeleteAsync($"/api/v1/facilities/{facility.Id()}", "\"1\"")).ReadProblemAsync(HttpStatusCode.PreconditionFailed);
        var current = await (await admin.GetAsync($"/api/v1/facilities/{facility.Id()}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("first", current["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Oversized_bodies_are_413()
    {
        var admin = await server.AdminAsync();
        var huge = "{\"code\": \"BIG\", \"name\": \"big\", \"description\": \"" + new string('x', 2_000_000) + "\"}";
        using var content = new StringContent(huge, Encoding.UTF8, "application/json");
        var response = await admin.Http.PostAsync("/api/v1/facilities", content);
        await response.ReadProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Invalid_values_are_422_with_errors_per_field()
    {
        var admin = await server.AdminAsync();
        var user = await admin.CreateUserAsync("Ida");
        var proposal = await user.CreateProposalAsync();
        var measurement = (await user.CreateMeasurementAsync((await user.CreateExperimentAsync(proposal.Id())).Id())).Id();

        var problem = await (await user.PostAsync("/api/v1/data-assets", new
        {
            measurementId = measurement,
            dataAssetName = "../../etc/passwd",
            relativePath = "/absolute/path",
            dataChecksum = "crc32:1234",
            storage = "linked",
            linkUri = "file:///etc/passwd",
        })).ReadProblemAsync(HttpStatusCode.UnprocessableEntity);
        var errors = problem["errors"]!.AsObject();
        Assert.Equal(["dataAssetName", "dataChecksum", "linkUri", "relativePath"], errors.Select(e => e.Key).Order());

        var settings = await (await user.PostAsync("/api/v1/measurements", new
        {
            experimentId = (await user.CreateExperimentAsync(proposal.Id())).Id(),
            measurementName = "",
            settings = new object[] { new { key = "EHT", value = new { nested = 1 } } },
        })).ReadProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains("measurementName", settings["errors"]!.AsObject().Select(e => e.Key));
        Assert.Contains("settings[0].value", settings["errors"]!.AsObject().Select(e => e.Key));

        var dates = await (await user.PatchAsync($"/api/v1/proposals/{proposal.Id()}", new { startDate = "2026-05-02", endDate = "2026-05-01" }))
            .ReadProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains("endDate", dates["errors"]!.AsObject().Select(e => e.Key));
    }

    [Theory]
    [InlineData("a\u0000b.tif")]
    [InlineData("..")]
    [InlineData("dir/name.tif")]
    [InlineData("C:\\evil.tif")]
    [InlineData("a-very-long-name-a-very-long-name-a-very-long-name-a-very-long-name-a-very-long-name-a-very-long-name-a-very-long-name-a-very-long-name-a-very-long-name-a-very-long-name-a-very-long-name-a-very-long-name-a-very-long-name-a-very-long-name-a-very-long-name-a-very-long-name.tif")]
    [InlineData("tab\t.tif")]
    public async Task Hostile_file_names_are_refused(string name)
    {
        var admin = await server.AdminAsync();
        var proposal = await admin.CreateProposalAsync();
        var measurement = (await admin.CreateMeasurementAsync((await admin.CreateExperimentAsync(proposal.Id())).Id())).Id();
        var problem = await (await admin.PostAsync("/api/v1/data-assets", new { measurementId = measurement, dataAssetName = name }))
            .ReadProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains("dataAssetName", problem["errors"]!.AsObject().Select(e => e.Key));
        var none = await (await admin.GetAsync($"/api/v1/data-assets?measurementId={measurement}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Empty(none["items"]!.AsArray());
    }

    [Fact]
    public async Task Names_are_kept_in_one_unicode_form_so_look_alikes_collide()
    {
        var admin = await server.AdminAsync();
        var proposal = await admin.CreateProposalAsync();
        var measurement = (await admin.CreateMeasurementAsync((await admin.CreateExperimentAsync(proposal.Id())).Id())).Id();
        var decomposed = await (await admin.PostAsync("/api/v1/data-assets", new { measurementId = measurement, dataAssetName = "e\u0301chantillon.tif", relativePath = "Re\u0301sultats" }))
            .ReadJsonAsync(HttpStatusCode.Created);
        Assert.Equal("\u00e9chantillon.tif", decomposed["dataAssetName"]!.GetValue<string>());
        Assert.Equal("R\u00e9sultats", decomposed["relativePath"]!.GetValue<string>());
        await (await admin.PostAsync("/api/v1/data-assets", new { measurementId = measurement, dataAssetName = "\u00e9chantillon.tif", relativePath = "R\u00e9sultats" }))
            .ReadProblemAsync(HttpStatusCode.Conflict);
    }
}
