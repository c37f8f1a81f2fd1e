using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using Idrp.Testing;

namespace Idrp.Server.Tests;

/// <summary>Data that stays in a facility archive the server mounts: registered by reference, served and verified in place.</summary>
public sealed class ArchiveLinkTests(IdrpServer server) : IClassFixture<IdrpServer>
{
    private async Task<(ApiClient User, Guid Measurement)> MeasurementAsync(string name)
    {
        var admin = await server.AdminAsync();
        var user = await admin.CreateUserAsync(name);
        var proposal = (await user.CreateProposalAsync()).Id();
        return (user, (await user.CreateMeasurementAsync((await user.CreateExperimentAsync(proposal)).Id())).Id());
    }

    [Fact]
    public async Task An_archived_file_is_registered_served_zipped_and_verified_in_place()
    {
        var (user, measurement) = await MeasurementAsync("Olaf");
        var data = Tus.RandomBytes(300_000, seed: 21);
        var folder = Directory.CreateDirectory(Path.Combine(server.ArchiveDirectory, "run-1")).FullName;
        var path = Path.Combine(folder, "img.tif");
        await File.WriteAllBytesAsync(path, data);

        var asset = await (await user.PostAsync("/api/v1/data-assets", new
        {
            measurementId = measurement,
            dataAssetName = "img.tif",
            storage = "linked",
            linkUri = "archive://test/run-1/img.tif",
            dataChecksum = Tus.Sha256(data),
        })).ReadJsonAsync(HttpStatusCode.Created);
        Assert.Equal("complete", asset["state"]!.GetValue<string>());
        Assert.Equal(data.Length, asset["dataSize"]!.GetValue<long>());

        Assert.Equal(data, await (await user.GetAsync($"/api/v1/data-assets/{asset.Id()}/content")).Content.ReadAsByteArrayAsync());
        var range = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/data-assets/{asset.Id()}/content");
        range.Headers.Range = new RangeHeaderValue(1000, 1009);
        var partial = await user.Http.SendAsync(range);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(data.AsSpan(1000, 10).ToArray(), await partial.Content.ReadAsByteArrayAsync());

        using (var zip = new ZipArchive(new MemoryStream(await (await user.GetAsync($"/api/v1/measurements/{measurement}/content")).Content.ReadAsByteArrayAsync())))
        {
            Assert.Equal(["img.tif"], zip.Entries.Select(e => e.FullName));
        }

        var fixity = await (await user.PostAsync($"/api/v1/measurements/{measurement}/fixity", new { })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(1, fixity["counts"]!["ok"]!.GetValue<int>());
        data[5] ^= 0xFF;
        await File.WriteAllBytesAsync(path, data);
        fixity = await (await user.PostAsync($"/api/v1/measurements/{measurement}/fixity", new { })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(1, fixity["counts"]!["mismatch"]!.GetValue<int>());
        File.Delete(path);
        fixity = await (await user.PostAsync($"/api/v1/measurements/{measurement}/fixity", new { })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(1, fixity["counts"]!["missing"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("archive://test/../escape.txt")]
    [InlineData("archive://test/%2E%2E/escape.txt")]
    [InlineData("archive://elsewhere/file.txt")]
    [InlineData("archive://test/no-such-file.txt")]
    [InlineData("archive://test/outside-link.txt")]
    public async Task Links_that_leave_the_archive_or_name_nothing_are_refused(string link)
    {
        // The archive folder sits in the data folder; the secret beside it, outside the archive root.
        var outside = Path.Combine(server.ArchiveDirectory, "outside-link.txt");
        await File.WriteAllTextAsync(Path.Combine(server.DataDirectory, "escape.txt"), "secret");
        if (!File.Exists(outside))
        {
            File.CreateSymbolicLink(outside, Path.Combine(server.DataDirectory, "escape.txt"));
        }

        var (user, measurement) = await MeasurementAsync("Pam");
        var problem = await (await user.PostAsync("/api/v1/data-assets", new { measurementId = measurement, dataAssetName = "x.txt", storage = "linked", linkUri = link, dataChecksum = Tus.Sha256("secret"u8) }))
            .ReadProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains("linkUri", problem["errors"]!.AsObject().Select(e => e.Key));
    }

    [Fact]
    public async Task The_server_fetches_links_only_from_hosts_the_operator_allows()
    {
        var (user, measurement) = await MeasurementAsync("Quin");
        // Never contacted: the check stops at the allow-list (tests allow only 127.0.0.1).
        await user.CreateLinkedAssetAsync(measurement, "internal.bin");
        var fixity = await (await user.PostAsync($"/api/v1/measurements/{measurement}/fixity", new { })).ReadJsonAsync(HttpStatusCode.OK);
        var result = Assert.Single(fixity["assets"]!.AsArray())!;
        Assert.Equal("unverifiable", result["status"]!.GetValue<string>());
        Assert.Contains("Archives:AllowedHosts", result["reason"]!.GetValue<string>());
    }
}
