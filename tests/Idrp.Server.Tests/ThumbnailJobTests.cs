using System.Buffers.Binary;
using System.Net;
using Idrp.Testing;

namespace Idrp.Server.Tests;

/// <summary>The built-in thumbnails job type: real SEM images in, PNG thumbnails out, derived from their images.</summary>
public sealed class ThumbnailJobTests(IdrpServer server) : IClassFixture<IdrpServer>
{
    [Fact]
    public async Task Thumbnails_of_a_measurements_images_are_pngs_derived_from_them()
    {
        var user = await (await server.AdminAsync()).CreateUserAsync("Thumbnail User");
        var proposal = (await user.CreateProposalAsync()).Id();
        var measurement = (await user.CreateMeasurementAsync((await user.CreateExperimentAsync(proposal)).Id())).Id();
        var image = await File.ReadAllBytesAsync(SharedData.File("sem/Nanowires/L6_0a6f18702a4a32677c74ed390f3af7af.jpg"), TestContext.Current.CancellationToken);
        var imageId = await user.UploadFileAsync(measurement, "nanowires.jpg", image);
        await user.UploadFileAsync(measurement, "notes.txt", "not an image"u8.ToArray());

        var job = await (await user.PostAsync("/api/v1/jobs", new { type = "thumbnails", measurementId = measurement, parameters = new { size = 256 } }))
            .ReadJsonAsync(HttpStatusCode.Accepted);
        var done = await JobsWait.UntilEndedAsync(user, job.Id());
        Assert.Equal("succeeded", done["state"]!.GetValue<string>());
        Assert.Equal((1, 0, 1), (done["result"]!["thumbnails"]!.GetValue<int>(), done["result"]!["skipped"]!.GetValue<int>(), done["result"]!["notImages"]!.GetValue<int>()));
        var output = Assert.Single(done["outputs"]!.AsArray())!;
        Assert.Equal(("nanowires.jpg.png", "previews"), (output["name"]!.GetValue<string>(), output["relativePath"]!.GetValue<string>()));

        var png = await user.Http.GetByteArrayAsync($"/api/v1/data-assets/{output["assetId"]!.GetValue<string>()}/content", TestContext.Current.CancellationToken);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        // IHDR: width and height, big-endian, at bytes 16 and 20. The source is 1024 x 768.
        Assert.Equal((256, 192), (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20))));

        var madeFrom = (await (await user.GetAsync($"/api/v1/derivations?outputAssetId={output["assetId"]!.GetValue<string>()}")).ReadJsonAsync(HttpStatusCode.OK))["items"]![0]!;
        Assert.Equal([imageId.ToString()], madeFrom["inputAssetIds"]!.AsArray().Select(i => i!.GetValue<string>()));
        Assert.Equal("thumbnails", madeFrom["activity"]!.GetValue<string>());
    }
}

/// <summary>A server with thumbnails made on upload, as a deployment runs by default (the other test servers keep it off).</summary>
public sealed class IdrpServerWithThumbnailsOnUpload : IdrpServer
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings { get; } = new Dictionary<string, string?> { ["Previews:ThumbnailsOnUpload"] = "true" };
}

/// <summary>Images get thumbnails when their bytes arrive, by tus or in a batch: one job per upload or batch, owned by the uploader.</summary>
public sealed class AutomaticThumbnailTests(IdrpServerWithThumbnailsOnUpload server) : IClassFixture<IdrpServerWithThumbnailsOnUpload>
{
    [Fact]
    public async Task Uploaded_images_get_thumbnails_without_being_asked_and_other_files_do_not()
    {
        var user = await (await server.AdminAsync()).CreateUserAsync("Auto Thumb");
        var proposal = (await user.CreateProposalAsync()).Id();
        var measurement = (await user.CreateMeasurementAsync((await user.CreateExperimentAsync(proposal)).Id())).Id();
        var image = await File.ReadAllBytesAsync(SharedData.File("sem/Nanowires/L6_0a6f18702a4a32677c74ed390f3af7af.jpg"), TestContext.Current.CancellationToken);

        await user.UploadFileAsync(measurement, "by-tus.jpg", image);
        await user.UploadFileAsync(measurement, "notes.txt", "not an image"u8.ToArray());
        var batch = new MultipartFormDataContent();
        foreach (var (path, data) in new[] { ("tiles/in-batch.jpg", image), ("tiles/t1.raw", new byte[100]) })
        {
            var part = new ByteArrayContent(data);
            part.Headers.ContentDisposition = new System.Net.Http.Headers.ContentDispositionHeaderValue("form-data") { Name = "\"file\"", FileNameStar = path };
            batch.Add(part);
        }

        await (await user.Http.PostAsync($"/api/v1/measurements/{measurement}/files", batch, TestContext.Current.CancellationToken)).ReadJsonAsync(HttpStatusCode.OK);

        var jobs = (await (await user.GetAsync($"/api/v1/jobs?measurementId={measurement}")).ReadJsonAsync(HttpStatusCode.OK))["items"]!.AsArray();
        Assert.Equal(2, jobs.Count);
        Assert.All(jobs, j => Assert.Equal("thumbnails", j!["type"]!.GetValue<string>()));
        foreach (var job in jobs)
        {
            Assert.Equal("succeeded", (await JobsWait.UntilEndedAsync(user, job!.Id()))["state"]!.GetValue<string>());
        }

        var previews = (await (await user.GetAsync($"/api/v1/data-assets?measurementId={measurement}")).ReadJsonAsync(HttpStatusCode.OK))["items"]!.AsArray()
            .Select(a => a!["relativePath"]!.GetValue<string>() + "/" + a["dataAssetName"]!.GetValue<string>())
            .Where(p => p.StartsWith("previews", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        Assert.Equal(["previews/by-tus.jpg.png", "previews/tiles/in-batch.jpg.png"], previews);
    }
}
