using System.Net;
using System.Text.Json.Nodes;

namespace Idrp.Testing;

/// <summary>Builds a proposal → experiment → sample → measurement → data asset hierarchy through the API.</summary>
public static class Records
{
    public static async Task<JsonNode> CreateFacilityAsync(this ApiClient admin, string? code = null)
    {
        code ??= "FAC-" + Guid.NewGuid().ToString("N")[..8];
        return await (await admin.PostAsync("/api/v1/facilities", new { code, name = "Facility " + code })).ReadJsonAsync(HttpStatusCode.Created);
    }

    public static async Task<JsonNode> CreateProposalAsync(this ApiClient pi, params Guid[] facilityIds) =>
        await (await pi.PostAsync("/api/v1/proposals", new
        {
            proposalNumber = "P-" + Guid.NewGuid().ToString("N")[..10],
            title = "Strain in SiGe nanostructures",
            facilityIds,
        })).ReadJsonAsync(HttpStatusCode.Created);

    /// <summary>A new user with a proposal of their own and one measurement in it: where most server tests start.</summary>
    public static async Task<(ApiClient User, Guid Proposal, Guid Measurement)> NewMeasurementAsync(this IdrpServer server, string userName)
    {
        var user = await (await server.AdminAsync()).CreateUserAsync(userName);
        var proposal = (await user.CreateProposalAsync()).Id();
        var measurement = (await user.CreateMeasurementAsync((await user.CreateExperimentAsync(proposal)).Id())).Id();
        return (user, proposal, measurement);
    }

    public static async Task<JsonNode> CreateExperimentAsync(this ApiClient client, Guid proposalId) =>
        await (await client.PostAsync("/api/v1/experiments", new { proposalId, name = "Beamtime 1" })).ReadJsonAsync(HttpStatusCode.Created);

    public static async Task<JsonNode> CreateSampleAsync(this ApiClient client, Guid proposalId) =>
        await (await client.PostAsync("/api/v1/samples", new { proposalId, name = "SiGe/Si(001)", composition = "Si0.8Ge0.2" })).ReadJsonAsync(HttpStatusCode.Created);

    public static async Task<JsonNode> CreateMeasurementAsync(this ApiClient client, Guid experimentId, string visibility = "private", string? name = null) =>
        await (await client.PostAsync("/api/v1/measurements", new
        {
            experimentId,
            measurementName = name ?? "SEM overview",
            technique = "SEM",
            settings = new object[] { new { key = "EHT", value = 5, unit = "kV" }, new { key = "Detector", value = "InLens" } },
            keywords = new[] { "SiGe", "islands" },
            visibility,
        })).ReadJsonAsync(HttpStatusCode.Created);

    /// <summary>Registers a stored data asset with its size and SHA-256 and uploads its bytes in one tus request; returns its id.</summary>
    public static async Task<Guid> UploadFileAsync(this ApiClient client, Guid measurementId, string name, byte[] data)
    {
        var asset = (await (await client.PostAsync("/api/v1/data-assets", new { measurementId, dataAssetName = name, dataSize = data.Length, dataChecksum = Tus.Sha256(data) }))
            .ReadJsonAsync(HttpStatusCode.Created)).Id();
        var location = await client.CreateForAssetAsync(asset, data.Length);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PatchAsync(location, 0, data)).StatusCode);
        return asset;
    }

    public static async Task<JsonNode> CreateLinkedAssetAsync(this ApiClient client, Guid measurementId, string name = "image_001.tif") =>
        await (await client.PostAsync("/api/v1/data-assets", new
        {
            measurementId,
            dataAssetName = name,
            relativePath = "raw/day1",
            dataSize = 1234,
            dataChecksum = "sha256:" + new string('a', 64),
            storage = "linked",
            linkUri = "https://archive.example.org/sem/" + name,
            intellectualPropertyRights = "CC-BY-4.0",
        })).ReadJsonAsync(HttpStatusCode.Created);
}
