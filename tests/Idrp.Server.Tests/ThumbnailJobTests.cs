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
