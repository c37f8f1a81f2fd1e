using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Idrp.Testing;

namespace Idrp.Server.Tests;

/// <summary>Resumable uploads (tus 1.0) and downloads, end to end over HTTP.</summary>
public sealed class UploadTests(IdrpServer server) : IClassFixture<IdrpServer>
{
    private async Task<(ApiClient User, Guid Measurement)> MeasurementAsync(string name)
    {
        var admin = await server.AdminAsync();
        var user = await admin.CreateUserAsync(name);
        var proposal = (await user.CreateProposalAsync()).Id();
        var measurement = (await user.CreateMeasurementAsync((await user.CreateExperimentAsync(proposal)).Id())).Id();
        return (user, measurement);
    }

    private static async Task<Guid> StoredAssetAsync(ApiClient user, Guid measurement, string name, byte[] data, string? checksum = null, string relativePath = "") =>
        (await (await user.PostAsync("/api/v1/data-assets", new { measurementId = measurement, dataAssetName = name, relativePath, dataSize = data.Length, dataChecksum = checksum ?? Tus.Sha256(data) }))
            .ReadJsonAsync(HttpStatusCode.Created)).Id();

    [Fact]
    public async Task Chunks_with_checksums_make_a_complete_asset_that_downloads_byte_for_byte_with_ranges()
    {
        var (user, measurement) = await MeasurementAsync("Vera");
        var data = Tus.RandomBytes(3 * 1024 * 1024 + 17, seed: 1);
        var asset = await StoredAssetAsync(user, measurement, "frames.h5", data);
        var location = await user.CreateForAssetAsync(asset, data.Length);

        long offset = 0;
        foreach (var size in new[] { 1_000_000, 1_500_000, data.Length - 2_500_000 })
        {
            var chunk = data.AsMemory((int)offset, size);
            var response = await user.PatchAsync(location, offset, chunk, Tus.Sha1Header(chunk.Span));
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            offset += size;
            Assert.Equal(offset.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Headers.GetValues("Upload-Offset").Single());
        }

        var record = await (await user.GetAsync($"/api/v1/data-assets/{asset}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("complete", record["state"]!.GetValue<string>());
        Assert.True(record["hasData"]!.GetValue<bool>());
        Assert.Equal(data.Length, record["dataSize"]!.GetValue<long>());
        Assert.Equal(Tus.Sha256(data), record["dataChecksum"]!.GetValue<string>());

        var download = await user.GetAsync($"/api/v1/data-assets/{asset}/content");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(data, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal($"\"{Tus.Sha256(data)[7..]}\"", download.Headers.ETag!.ToString());
        Assert.Equal("frames.h5", download.Content.Headers.ContentDisposition!.FileNameStar);

        var range = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/data-assets/{asset}/content");
        range.Headers.Range = new RangeHeaderValue(1_000_000, 1_000_099);
        var partial = await user.Http.SendAsync(range);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(data.AsSpan(1_000_000, 100).ToArray(), await partial.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_large_upload_in_uneven_chunks_crossing_part_boundaries_is_stored_exactly()
    {
        var (user, measurement) = await MeasurementAsync("Vic");
        var data = Tus.RandomBytes(40 * 1024 * 1024 + 3, seed: 12);
        var asset = await StoredAssetAsync(user, measurement, "big.raw", data);
        var location = await user.CreateForAssetAsync(asset, data.Length);
        long offset = 0;
        foreach (var size in new[] { 10_000_000, 7_000_000, 20_000_000, data.Length - 37_000_000 })
        {
            Assert.Equal(HttpStatusCode.NoContent, (await user.PatchAsync(location, offset, data.AsMemory((int)offset, size))).StatusCode);
            offset += size;
        }

        var download = await user.GetAsync($"/api/v1/data-assets/{asset}/content");
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await download.Content.ReadAsByteArrayAsync()));
        var range = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/data-assets/{asset}/content");
        range.Headers.Range = new RangeHeaderValue(16 * 1024 * 1024 - 10, 16 * 1024 * 1024 + 9);
        Assert.Equal(data.AsSpan(16 * 1024 * 1024 - 10, 20).ToArray(), await (await user.Http.SendAsync(range)).Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Bytes_that_do_not_match_the_declared_checksum_are_refused_and_nothing_is_complete()
    {
        var (user, measurement) = await MeasurementAsync("Walt");
        var data = Tus.RandomBytes(100_000, seed: 2);
        var asset = await StoredAssetAsync(user, measurement, "image.tif", data, checksum: Tus.Sha256(Tus.RandomBytes(100_000, seed: 3)));
        var location = await user.CreateForAssetAsync(asset, data.Length);

        var problem = await (await user.PatchAsync(location, 0, data)).ReadProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(data)), problem["detail"]!.GetValue<string>());

        var record = await (await user.GetAsync($"/api/v1/data-assets/{asset}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("pending", record["state"]!.GetValue<string>());
        Assert.False(record["hasData"]!.GetValue<bool>());
        await (await user.GetAsync($"/api/v1/data-assets/{asset}/content")).ReadProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(HttpStatusCode.Gone, (await user.Http.SendAsync(Tus.Request(HttpMethod.Head, location))).StatusCode);
        Assert.Empty(await server.Storage.ListAsync(server.DataDirectory, Idrp.Infrastructure.Storage.BlobKeys.ForAsset(asset)));
        Assert.Empty(await server.Storage.ListAsync(server.DataDirectory, "uploads/" + UploadId(location)));
    }

    [Fact]
    public async Task An_assets_unfinished_uploads_are_listed_for_their_owner_with_their_offset_until_complete()
    {
        var (user, measurement) = await MeasurementAsync("Yann");
        var data = Tus.RandomBytes(120_000, seed: 5);
        var asset = await StoredAssetAsync(user, measurement, "partial.dat", data);
        var location = await user.CreateForAssetAsync(asset, data.Length);
        Assert.Equal(HttpStatusCode.NoContent, (await user.PatchAsync(location, 0, data.AsMemory(0, 70_000))).StatusCode);

        var listed = await (await user.GetAsync($"/api/v1/data-assets/{asset}/uploads")).ReadJsonAsync(HttpStatusCode.OK);
        var upload = Assert.Single(listed["items"]!.AsArray())!;
        Assert.Equal(location, upload["url"]!.GetValue<string>());
        Assert.Equal(70_000, upload["offset"]!.GetValue<long>());
        Assert.Equal(data.Length, upload["length"]!.GetValue<long>());

        var stranger = await (await server.AdminAsync()).CreateUserAsync("Zoe");
        await (await stranger.GetAsync($"/api/v1/data-assets/{asset}/uploads")).ReadProblemAsync(HttpStatusCode.NotFound);

        Assert.Equal(HttpStatusCode.NoContent, (await user.PatchAsync(location, 70_000, data.AsMemory(70_000))).StatusCode);
        var after = await (await user.GetAsync($"/api/v1/data-assets/{asset}/uploads")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Empty(after["items"]!.AsArray());
    }

    [Fact]
    public async Task A_chunk_with_a_bad_checksum_is_460_and_can_be_sent_again()
    {
        var (user, measurement) = await MeasurementAsync("Xena");
        var data = Tus.RandomBytes(200_000, seed: 4);
        var asset = await StoredAssetAsync(user, measurement, "curve.dat", data);
        var location = await user.CreateForAssetAsync(asset, data.Length);
        Assert.Equal(HttpStatusCode.NoContent, (await user.PatchAsync(location, 0, data.AsMemory(0, 50_000))).StatusCode);

        var bad = await user.PatchAsync(location, 50_000, data.AsMemory(50_000), Tus.Sha1Header(data.AsSpan(0, 10)));
        Assert.Equal(460, (int)bad.StatusCode);
        Assert.Equal(50_000, await user.OffsetAsync(location));

        Assert.Equal(HttpStatusCode.NoContent, (await user.PatchAsync(location, 50_000, data.AsMemory(50_000), Tus.Sha1Header(data.AsSpan(50_000)))).StatusCode);
        var download = await user.GetAsync($"/api/v1/data-assets/{asset}/content");
        Assert.Equal(data, await download.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_crc32_chunk_checksum_is_checked_and_a_repr_digest_on_the_last_chunk_declares_the_whole_file()
    {
        var (user, measurement) = await MeasurementAsync("Cora");
        var data = Tus.RandomBytes(300_009, seed: 21);
        "123456789"u8.CopyTo(data);
        // Registered with its size alone, as the CLI does for a file it hashes while sending it.
        var asset = (await (await user.PostAsync("/api/v1/data-assets", new { measurementId = measurement, dataAssetName = "scan.raw", dataSize = data.Length }))
            .ReadJsonAsync(HttpStatusCode.Created)).Id();
        var location = await user.CreateForAssetAsync(asset, data.Length);

        // CRC-32 of "123456789" is 0xCBF43926 (the standard check value), sent big-endian in base64.
        Assert.Equal(HttpStatusCode.NoContent, (await user.PatchAsync(location, 0, data.AsMemory(0, 9), "crc32 " + Convert.ToBase64String([0xCB, 0xF4, 0x39, 0x26]))).StatusCode);
        var bad = await user.PatchAsync(location, 9, data.AsMemory(9, 100_000), "crc32 " + Convert.ToBase64String([0xCB, 0xF4, 0x39, 0x26]));
        Assert.Equal(460, (int)bad.StatusCode);
        Assert.Equal(9, await user.OffsetAsync(location));
        Assert.Equal(HttpStatusCode.NoContent, (await user.PatchAsync(location, 9, data.AsMemory(9, 100_000))).StatusCode);

        var last = await user.PatchAsync(location, 100_009, data.AsMemory(100_009), reprDigest: Tus.ReprDigest(data));
        Assert.Equal(HttpStatusCode.NoContent, last.StatusCode);
        var record = await (await user.GetAsync($"/api/v1/data-assets/{asset}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("complete", record["state"]!.GetValue<string>());
        Assert.Equal(Tus.Sha256(data), record["dataChecksum"]!.GetValue<string>());
        Assert.Equal(data, await (await user.GetAsync($"/api/v1/data-assets/{asset}/content")).Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_repr_digest_the_bytes_do_not_match_leaves_nothing_complete_and_one_against_the_registered_checksum_is_refused()
    {
        var (user, measurement) = await MeasurementAsync("Dora");
        var data = Tus.RandomBytes(200_000, seed: 22);
        var other = Tus.RandomBytes(200_000, seed: 23);
        var asset = (await (await user.PostAsync("/api/v1/data-assets", new { measurementId = measurement, dataAssetName = "frame.raw", dataSize = data.Length }))
            .ReadJsonAsync(HttpStatusCode.Created)).Id();
        var location = await user.CreateForAssetAsync(asset, data.Length);
        Assert.Equal(HttpStatusCode.NoContent, (await user.PatchAsync(location, 0, data.AsMemory(0, 50_000))).StatusCode);
        await (await user.PatchAsync(location, 50_000, data.AsMemory(50_000), reprDigest: "sha-256=:bm90IGEgZGlnZXN0:")).ReadProblemAsync(HttpStatusCode.BadRequest);

        var problem = await (await user.PatchAsync(location, 50_000, data.AsMemory(50_000), reprDigest: Tus.ReprDigest(other))).ReadProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(data)), problem["detail"]!.GetValue<string>());
        var record = await (await user.GetAsync($"/api/v1/data-assets/{asset}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("pending", record["state"]!.GetValue<string>());
        Assert.False(record["hasData"]!.GetValue<bool>());
        Assert.Equal(Tus.Sha256(other), record["dataChecksum"]!.GetValue<string>());
        Assert.Empty(await server.Storage.ListAsync(server.DataDirectory, Idrp.Infrastructure.Storage.BlobKeys.ForAsset(asset)));

        // The asset now declares the other bytes: a second upload declaring these is refused before it stores anything.
        var again = await user.CreateForAssetAsync(asset, data.Length);
        await (await user.PatchAsync(again, 0, data, reprDigest: Tus.ReprDigest(data))).ReadProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(0, await user.OffsetAsync(again));
        Assert.Equal("pending", (await (await user.GetAsync($"/api/v1/data-assets/{asset}")).ReadJsonAsync(HttpStatusCode.OK))["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_interrupted_chunk_keeps_what_arrived_and_the_upload_resumes_from_there()
    {
        var (user, measurement) = await MeasurementAsync("Yuri");
        var data = Tus.RandomBytes(4 * 1024 * 1024, seed: 5);
        var asset = await StoredAssetAsync(user, measurement, "movie.h5", data);
        var location = await user.CreateForAssetAsync(asset, data.Length);

        // The client dies after sending 1.5 MB of a 4 MB body.
        var request = Tus.Request(HttpMethod.Patch, location);
        request.Headers.Add("Upload-Offset", "0");
        request.Content = new DyingContent(data, dieAfter: 1_500_000);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
        request.Content.Headers.ContentLength = data.Length;
        await Assert.ThrowsAnyAsync<Exception>(() => user.Http.SendAsync(request));

        // The server records what arrived once it notices; then the client resumes from there.
        long offset = 0;
        for (var attempt = 0; attempt < 100 && offset == 0; attempt++)
        {
            await Task.Delay(100);
            offset = await user.OffsetAsync(location);
        }

        Assert.InRange(offset, 1, 1_500_000);
        HttpResponseMessage resumed;
        do
        {
            resumed = await user.PatchAsync(location, offset, data.AsMemory((int)offset));
        }
        while (resumed.StatusCode == HttpStatusCode.Locked && await Delay());
        Assert.Equal(HttpStatusCode.NoContent, resumed.StatusCode);

        var download = await user.GetAsync($"/api/v1/data-assets/{asset}/content");
        Assert.Equal(data, await download.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Protocol_errors_are_answered_plainly()
    {
        var (user, measurement) = await MeasurementAsync("Zoe");
        var data = Tus.RandomBytes(1000, seed: 6);
        var asset = await StoredAssetAsync(user, measurement, "a.bin", data);
        var location = await user.CreateForAssetAsync(asset, data.Length);

        await (await user.PatchAsync(location, 10, data.AsMemory(10))).ReadProblemAsync(HttpStatusCode.Conflict);
        var noVersion = new HttpRequestMessage(HttpMethod.Head, location);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await user.Http.SendAsync(noVersion)).StatusCode);
        var wrongType = Tus.Request(HttpMethod.Patch, location);
        wrongType.Headers.Add("Upload-Offset", "0");
        wrongType.Content = new ByteArrayContent(data);
        wrongType.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        await (await user.Http.SendAsync(wrongType)).ReadProblemAsync(HttpStatusCode.UnsupportedMediaType);
        await (await user.CreateAsync(999, Tus.Metadata(("assetId", asset.ToString())))).ReadProblemAsync(HttpStatusCode.UnprocessableEntity);

        var stranger = await (await server.AdminAsync()).CreateUserAsync("Stranger");
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.Http.SendAsync(Tus.Request(HttpMethod.Head, location))).StatusCode);
        await (await stranger.CreateAsync(1000, Tus.Metadata(("assetId", asset.ToString())))).ReadProblemAsync(HttpStatusCode.NotFound);

        var linked = (await user.CreateLinkedAssetAsync(measurement)).Id();
        await (await user.CreateAsync(1234, Tus.Metadata(("assetId", linked.ToString())))).ReadProblemAsync(HttpStatusCode.Conflict);

        var options = await server.Anonymous().Http.SendAsync(new HttpRequestMessage(HttpMethod.Options, "/api/v1/uploads"));
        Assert.Equal("creation,creation-with-upload,checksum,termination", options.Headers.GetValues("Tus-Extension").Single());
    }

    [Fact]
    public async Task An_upload_can_register_its_asset_and_hostile_names_are_refused()
    {
        var (user, measurement) = await MeasurementAsync("Abe");
        var data = Tus.RandomBytes(5000, seed: 7);
        var hostile = await user.CreateAsync(data.Length, Tus.Metadata(("measurementId", measurement.ToString()), ("filename", "../../etc/passwd")));
        await hostile.ReadProblemAsync(HttpStatusCode.UnprocessableEntity);

        var created = await user.CreateAsync(data.Length, Tus.Metadata(("measurementId", measurement.ToString()), ("filename", "scan 1.sxm"), ("relativePath", "day 2"), ("checksum", Tus.Sha256(data))));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var asset = Guid.Parse(created.Headers.GetValues("X-Idrp-Asset-Id").Single());
        Assert.Equal(HttpStatusCode.NoContent, (await user.PatchAsync(created.Headers.Location!.OriginalString, 0, data)).StatusCode);
        var record = await (await user.GetAsync($"/api/v1/data-assets/{asset}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("day 2", record["relativePath"]!.GetValue<string>());
        Assert.Equal("complete", record["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_empty_file_is_complete_once_its_upload_is_asked_about()
    {
        var (user, measurement) = await MeasurementAsync("Hal");
        var asset = await StoredAssetAsync(user, measurement, "empty.txt", []);
        var location = await user.CreateForAssetAsync(asset, 0);
        Assert.Equal(0, await user.OffsetAsync(location));
        var record = await (await user.GetAsync($"/api/v1/data-assets/{asset}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("complete", record["state"]!.GetValue<string>());
        Assert.Equal(Tus.Sha256([]), record["dataChecksum"]!.GetValue<string>());
        Assert.Empty(await (await user.GetAsync($"/api/v1/data-assets/{asset}/content")).Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task An_expired_upload_is_gone()
    {
        var (user, measurement) = await MeasurementAsync("Gus");
        var data = Tus.RandomBytes(1000, seed: 13);
        var asset = await StoredAssetAsync(user, measurement, "late.bin", data);
        var location = await user.CreateForAssetAsync(asset, data.Length);
        using (var scope = server.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Idrp.Infrastructure.Persistence.IdrpDbContext>();
            var id = Guid.Parse(location.Split('/')[^1]);
            await db.Uploads.Where(u => u.Id == id).ExecuteUpdateAsync(s => s.SetProperty(u => u.ExpiresAt, DateTimeOffset.UtcNow.AddMinutes(-1)));
        }

        Assert.Equal(HttpStatusCode.Gone, (await user.Http.SendAsync(Tus.Request(HttpMethod.Head, location))).StatusCode);
        await (await user.PatchAsync(location, 0, data)).ReadProblemAsync(HttpStatusCode.Gone);
    }

    [Fact]
    public async Task A_terminated_upload_is_gone()
    {
        var (user, measurement) = await MeasurementAsync("Bea");
        var data = Tus.RandomBytes(10_000, seed: 8);
        var asset = await StoredAssetAsync(user, measurement, "t.bin", data);
        var location = await user.CreateForAssetAsync(asset, data.Length);
        Assert.Equal(HttpStatusCode.NoContent, (await user.PatchAsync(location, 0, data.AsMemory(0, 4000))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await user.Http.SendAsync(Tus.Request(HttpMethod.Delete, location))).StatusCode);
        Assert.Equal(HttpStatusCode.Gone, (await user.Http.SendAsync(Tus.Request(HttpMethod.Head, location))).StatusCode);
        Assert.Equal(HttpStatusCode.Gone, (await user.PatchAsync(location, 4000, data.AsMemory(4000))).StatusCode);
        Assert.Empty(await server.Storage.ListAsync(server.DataDirectory, "uploads/" + UploadId(location)));
    }

    [Fact]
    public async Task A_measurement_downloads_as_one_zip_with_its_folders_and_a_list_of_linked_files()
    {
        var (user, measurement) = await MeasurementAsync("Cal");
        var first = Tus.RandomBytes(300_000, seed: 9);
        var second = Tus.RandomBytes(70_000, seed: 10);
        foreach (var (name, folder, data) in new[] { ("a.tif", "raw/day1", first), ("b.tif", "", second) })
        {
            var asset = await StoredAssetAsync(user, measurement, name, data, relativePath: folder);
            Assert.Equal(HttpStatusCode.NoContent, (await user.PatchAsync(await user.CreateForAssetAsync(asset, data.Length), 0, data)).StatusCode);
        }

        await user.CreateLinkedAssetAsync(measurement, "archived.tif");
        var response = await user.GetAsync($"/api/v1/measurements/{measurement}/content");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType!.MediaType);
        using var zip = new ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync()));
        Assert.Equal(["b.tif", "linked-assets.tsv", "raw/day1/a.tif"], zip.Entries.Select(e => e.FullName).Order());
        Assert.Equal(first, await ReadAsync(zip.GetEntry("raw/day1/a.tif")!));
        Assert.Equal(second, await ReadAsync(zip.GetEntry("b.tif")!));
        using var list = new StreamReader(zip.GetEntry("linked-assets.tsv")!.Open());
        Assert.Contains("https://archive.example.org/sem/archived.tif", await list.ReadToEndAsync());

        var outsider = await (await server.AdminAsync()).CreateUserAsync("Dee");
        await (await outsider.GetAsync($"/api/v1/measurements/{measurement}/content")).ReadProblemAsync(HttpStatusCode.NotFound);
    }

    private static string UploadId(string location) => Guid.Parse(location.Split('/')[^1]).ToString("N");

    private static async Task<byte[]> ReadAsync(ZipArchiveEntry entry)
    {
        using var buffer = new MemoryStream();
        await using var stream = entry.Open();
        await stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(200);
        return true;
    }

    /// <summary>Sends the first bytes of a body, then fails as a killed client would.</summary>
    private sealed class DyingContent(byte[] data, int dieAfter) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync(data.AsMemory(0, dieAfter));
            await stream.FlushAsync();
            await Task.Delay(300);
            throw new IOException("The client was killed.");
        }

        protected override bool TryComputeLength(out long length)
        {
            length = data.Length;
            return true;
        }
    }
}

/// <summary>Uploads survive a server restart: their state is in the database and the store, not in memory.</summary>
public sealed class UploadRestartTests(IdrpServer server) : IClassFixture<IdrpServer>
{
    [Fact]
    public async Task An_upload_resumes_after_the_server_restarts()
    {
        var admin = await server.AdminAsync();
        var user = await admin.CreateUserAsync("Eli");
        var proposal = (await user.CreateProposalAsync()).Id();
        var measurement = (await user.CreateMeasurementAsync((await user.CreateExperimentAsync(proposal)).Id())).Id();
        var data = Tus.RandomBytes(2_000_000, seed: 11);
        var asset = (await (await user.PostAsync("/api/v1/data-assets", new { measurementId = measurement, dataAssetName = "r.bin", dataChecksum = Tus.Sha256(data) }))
            .ReadJsonAsync(HttpStatusCode.Created)).Id();
        var location = await user.CreateForAssetAsync(asset, data.Length);
        Assert.Equal(HttpStatusCode.NoContent, (await user.PatchAsync(location, 0, data.AsMemory(0, 1_200_000))).StatusCode);

        await server.RestartAsync();
        var again = new ApiClient(server.NewHttpClient(), server, user.Token);
        Assert.Equal(1_200_000, await again.OffsetAsync(location));
        Assert.Equal(HttpStatusCode.NoContent, (await again.PatchAsync(location, 1_200_000, data.AsMemory(1_200_000))).StatusCode);
        var record = await (await again.GetAsync($"/api/v1/data-assets/{asset}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("complete", record["state"]!.GetValue<string>());
        Assert.Equal(data, await (await again.GetAsync($"/api/v1/data-assets/{asset}/content")).Content.ReadAsByteArrayAsync());
    }
}
