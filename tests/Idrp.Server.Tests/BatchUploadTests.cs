using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Idrp.Testing;

namespace Idrp.Server.Tests;

/// <summary>Many small files in one request (POST /measurements/{id}/files), end to end over HTTP.</summary>
public sealed class BatchUploadTests(IdrpServer server) : IClassFixture<IdrpServer>
{
    private static MultipartFormDataContent Batch(params (string Path, byte[] Data, byte[]? Digest)[] files)
    {
        var content = new MultipartFormDataContent();
        foreach (var (path, data, digest) in files)
        {
            var part = new ByteArrayContent(data);
            part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            part.Headers.Add("Content-Digest", $"sha-256=:{Convert.ToBase64String(digest ?? SHA256.HashData(data))}:");
            // filename* (RFC 5987), as browsers and HttpClient send non-ASCII names; it also carries what a hostile
            // client could put in a raw header (NUL), which HttpClient refuses to write as a plain filename.
            part.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = "\"file\"", FileNameStar = path };
            content.Add(part);
        }

        return content;
    }

    private static async Task<JsonArray> SendAsync(ApiClient user, Guid measurement, HttpContent content) =>
        (await (await user.Http.PostAsync($"/api/v1/measurements/{measurement}/files", content)).ReadJsonAsync(HttpStatusCode.OK))["items"]!.AsArray();

    private static string Status(JsonNode item) => item["status"]!.GetValue<string>();

    [Fact]
    public async Task A_batch_stores_every_file_complete_and_verified_with_its_folder_and_metadata()
    {
        var (user, _, measurement) = await server.NewMeasurementAsync("Bea");
        var image = await File.ReadAllBytesAsync(SharedData.File("sem/Nanowires/L6_0a6f18702a4a32677c74ed390f3af7af.jpg"));
        var small = Enumerable.Range(0, 40).Select(i => ($"run 1/frame_{i:000}.dat", Tus.RandomBytes(1000 + i, seed: 100 + i), (byte[]?)null)).ToList();
        var items = await SendAsync(user, measurement, Batch([("nanowires.jpg", image, null), .. small, ("empty.txt", [], null)]));

        Assert.Equal(42, items.Count);
        Assert.All(items, item => Assert.Equal("stored", Status(item!)));
        var assets = (await (await user.GetAsync($"/api/v1/data-assets?measurementId={measurement}&limit=100")).ReadJsonAsync(HttpStatusCode.OK))["items"]!
            .AsArray().Select(a => a!).ToList();

        Assert.Equal(42, assets.Count);
        Assert.All(assets, a => Assert.Equal("complete", a["state"]!.GetValue<string>()));
        var frame = assets.Single(a => a["dataAssetName"]!.GetValue<string>() == "frame_007.dat");
        Assert.Equal("run 1", frame["relativePath"]!.GetValue<string>());
        Assert.Equal(Tus.Sha256(small[7].Item2), frame["dataChecksum"]!.GetValue<string>());
        Assert.Equal(small[7].Item2, await (await user.GetAsync($"/api/v1/data-assets/{frame.Id()}/content")).Content.ReadAsByteArrayAsync());

        var jpeg = assets.Single(a => a["dataAssetName"]!.GetValue<string>() == "nanowires.jpg");
        Assert.Equal(image, await (await user.GetAsync($"/api/v1/data-assets/{jpeg.Id()}/content")).Content.ReadAsByteArrayAsync());
        Assert.Equal("image", jpeg["extractedMetadata"]!["extractor"]!.GetValue<string>());
        var other = assets.Single(a => a["dataAssetName"]!.GetValue<string>() == "frame_000.dat");
        Assert.NotNull(other["extractedMetadata"]!["note"]);
        var empty = assets.Single(a => a["dataAssetName"]!.GetValue<string>() == "empty.txt");
        Assert.Equal(Tus.Sha256([]), empty["dataChecksum"]!.GetValue<string>());
    }

    [Fact]
    public async Task Sending_a_batch_again_skips_what_is_stored_and_refuses_changed_files_only()
    {
        var (user, _, measurement) = await server.NewMeasurementAsync("Cal");
        var a = Tus.RandomBytes(5000, seed: 1);
        var b = Tus.RandomBytes(5000, seed: 2);
        var first = await SendAsync(user, measurement, Batch(("a.bin", a, null), ("b.bin", b, null)));
        var second = await SendAsync(user, measurement, Batch(("a.bin", a, null), ("b.bin", Tus.RandomBytes(5000, seed: 3), null), ("c.bin", b, null)));

        Assert.Equal("skipped", Status(second[0]!));
        Assert.Equal(first[0]!["assetId"]!.GetValue<Guid>(), second[0]!["assetId"]!.GetValue<Guid>());
        Assert.Equal("failed", Status(second[1]!));
        Assert.Equal("conflict", second[1]!["error"]!["code"]!.GetValue<string>());
        Assert.Equal("stored", Status(second[2]!));
        Assert.Equal(b, await (await user.GetAsync($"/api/v1/data-assets/{first[1]!["assetId"]}/content")).Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Wrong_digests_hostile_names_duplicates_and_oversized_files_are_refused_one_by_one()
    {
        var (user, _, measurement) = await server.NewMeasurementAsync("Dora");
        var good = Tus.RandomBytes(3000, seed: 4);
        var items = await SendAsync(user, measurement, Batch(
            ("../../etc/passwd", good, null),
            ("/abs/olute.txt", good, null),
            ("nul\0name.txt", good, null),
            (new string('x', 300) + ".txt", good, null),
            ("bad-digest.bin", good, SHA256.HashData(Tus.RandomBytes(10, seed: 5))),
            ("big.bin", Tus.RandomBytes((1 << 20) + 1, seed: 6), null),
            ("twice.bin", good, null),
            ("twice.bin", good, null),
            ("cafe\u0301.txt", good, null),
            ("back\\slash.txt", good, null)));

        Assert.Equal(["failed", "failed", "failed", "failed", "failed", "failed", "stored", "failed", "stored", "failed"], items.Select(i => Status(i!)));
        Assert.Equal("checksum-mismatch", items[4]!["error"]!["code"]!.GetValue<string>());
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(good)), items[4]!["error"]!["detail"]!.GetValue<string>());
        Assert.Equal("too-large", items[5]!["error"]!["code"]!.GetValue<string>());
        Assert.Contains("at most 1048576 bytes", items[5]!["error"]!["detail"]!.GetValue<string>());

        var names = (await (await user.GetAsync($"/api/v1/data-assets?measurementId={measurement}")).ReadJsonAsync(HttpStatusCode.OK))["items"]!.AsArray()
            .Select(a => a!["dataAssetName"]!.GetValue<string>()).Order(StringComparer.Ordinal);
        Assert.Equal(["caf\u00e9.txt", "twice.bin"], names);
        Assert.Empty(await server.Storage.ListAsync(server.DataDirectory, "uploads"));
    }

    [Fact]
    public async Task A_batch_completes_assets_registered_before_and_refuses_bytes_that_differ_from_their_checksum()
    {
        var (user, _, measurement) = await server.NewMeasurementAsync("Emil");
        var data = Tus.RandomBytes(2000, seed: 7);
        var registered = (await (await user.PostAsync("/api/v1/data-assets", new { measurementId = measurement, dataAssetName = "scan.sxm", dataSize = data.Length, dataChecksum = Tus.Sha256(data) }))
            .ReadJsonAsync(HttpStatusCode.Created)).Id();
        var other = (await (await user.PostAsync("/api/v1/data-assets", new { measurementId = measurement, dataAssetName = "other.sxm", dataChecksum = Tus.Sha256(Tus.RandomBytes(9, seed: 8)) }))
            .ReadJsonAsync(HttpStatusCode.Created)).Id();

        var items = await SendAsync(user, measurement, Batch(("scan.sxm", data, null), ("other.sxm", data, null)));

        Assert.Equal(registered, items[0]!["assetId"]!.GetValue<Guid>());
        Assert.Equal("stored", Status(items[0]!));
        Assert.Equal("checksum-mismatch", items[1]!["error"]!["code"]!.GetValue<string>());
        var record = await (await user.GetAsync($"/api/v1/data-assets/{other}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("pending", record["state"]!.GetValue<string>());
        Assert.False(record["hasData"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Outsiders_read_only_tokens_and_bodies_that_are_not_batches_are_refused_and_nothing_is_stored()
    {
        var (user, _, measurement) = await server.NewMeasurementAsync("Fritz");
        var admin = await server.AdminAsync();
        var outsider = await admin.CreateUserAsync("Gerd");
        var data = Tus.RandomBytes(100, seed: 9);

        await (await outsider.Http.PostAsync($"/api/v1/measurements/{measurement}/files", Batch(("x.bin", data, null)))).ReadProblemAsync(HttpStatusCode.NotFound);
        await (await server.Anonymous().Http.PostAsync($"/api/v1/measurements/{measurement}/files", Batch(("x.bin", data, null)))).ReadProblemAsync(HttpStatusCode.Unauthorized);
        await (await user.Http.PostAsync($"/api/v1/measurements/{Guid.NewGuid()}/files", Batch(("x.bin", data, null)))).ReadProblemAsync(HttpStatusCode.NotFound);
        await (await user.Http.PostAsync($"/api/v1/measurements/{measurement}/files", new ByteArrayContent(data))).ReadProblemAsync(HttpStatusCode.UnsupportedMediaType);
        var form = new MultipartFormDataContent { { new StringContent("hello"), "note" } };
        await (await user.Http.PostAsync($"/api/v1/measurements/{measurement}/files", form)).ReadProblemAsync(HttpStatusCode.UnprocessableEntity);

        Assert.Empty((await (await user.GetAsync($"/api/v1/data-assets?measurementId={measurement}")).ReadJsonAsync(HttpStatusCode.OK))["items"]!.AsArray());
    }

    [Fact]
    public async Task A_batch_that_breaks_off_records_nothing_and_leaves_no_staged_bytes()
    {
        var (user, _, measurement) = await server.NewMeasurementAsync("Ida");
        var whole = Batch(("one.bin", Tus.RandomBytes(50_000, seed: 10), null), ("two.bin", Tus.RandomBytes(50_000, seed: 11), null));
        var body = await whole.ReadAsByteArrayAsync();
        var dying = new DyingContent(body, body.Length - 20_000);
        dying.Headers.ContentType = whole.Headers.ContentType;

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => user.Http.PostAsync($"/api/v1/measurements/{measurement}/files", dying));

        for (var i = 0; i < 50 && (await server.Storage.ListAsync(server.DataDirectory, "uploads")).Count > 0; i++)
        {
            await Task.Delay(100);
        }

        Assert.Empty((await (await user.GetAsync($"/api/v1/data-assets?measurementId={measurement}")).ReadJsonAsync(HttpStatusCode.OK))["items"]!.AsArray());
        Assert.Empty(await server.Storage.ListAsync(server.DataDirectory, "uploads"));
    }

    /// <summary>Sends the first bytes of a body, then fails as a killed client would.</summary>
    private sealed class DyingContent(byte[] data, int dieAfter) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
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
