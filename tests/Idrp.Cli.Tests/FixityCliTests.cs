using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Idrp.Infrastructure.Storage;
using Idrp.Testing;

namespace Idrp.Cli.Tests;

/// <summary><c>idrp fixity</c>: the server's report as lines or JSON, and an exit code scripts can act on.</summary>
public sealed class FixityCliTests(IdrpServer server) : IClassFixture<IdrpServer>
{
    private static async Task<Guid> UploadAsync(ApiClient user, Guid measurement, string name, byte[] data)
    {
        var asset = (await (await user.PostAsync("/api/v1/data-assets", new { measurementId = measurement, dataAssetName = name, relativePath = "raw", dataSize = data.Length, dataChecksum = Tus.Sha256(data) }))
            .ReadJsonAsync(HttpStatusCode.Created)).Id();
        var location = await user.CreateForAssetAsync(asset, data.Length);
        Assert.Equal(HttpStatusCode.NoContent, (await user.PatchAsync(location, 0, data)).StatusCode);
        return asset;
    }

    private async Task CorruptAsync(Guid asset, byte[] data)
    {
        var key = BlobKeys.ForAsset(asset);
        if (server.Storage.IsS3)
        {
            using var s3 = new AmazonS3Client(new BasicAWSCredentials("test", "test"), new AmazonS3Config { ServiceURL = server.Storage.ServiceUrl, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = server.Storage.Bucket, Key = key, InputStream = new MemoryStream(data) });
            return;
        }

        await File.WriteAllBytesAsync(Path.Combine(server.DataDirectory, "blobs", key), data, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Fixity_exits_0_when_all_verify_and_5_with_one_line_per_damaged_asset()
    {
        using var cli = new Cli();
        var (user, proposal) = await Setup.SignedInAsync(server, cli, "Otto");
        var measurement = (await user.CreateMeasurementAsync((await user.CreateExperimentAsync(proposal.Id())).Id())).Id();
        var frames = Tus.RandomBytes(300_000, seed: 50);
        var framesId = await UploadAsync(user, measurement, "frames.h5", frames);
        await UploadAsync(user, measurement, "notes.txt", Tus.RandomBytes(100, seed: 51));

        var intact = await cli.RunAsync("fixity", "--measurement", measurement.ToString());
        Assert.True(intact.ExitCode == 0, intact.ToString());
        Assert.Equal("2 checked: 2 ok, 0 mismatch, 0 missing, 0 unverifiable", intact.Stdout.Trim());

        var rotten = (byte[])frames.Clone();
        rotten[123_456] ^= 0x01;
        await CorruptAsync(framesId, rotten);

        var damaged = await cli.RunAsync("fixity", "--measurement", measurement.ToString());
        Assert.True(damaged.ExitCode == 5, damaged.ToString());
        var lines = damaged.Stdout.Trim().Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.StartsWith($"mismatch raw/frames.h5 {framesId}: The checksum differs.", lines[0]);
        Assert.Contains("actual " + Tus.Sha256(rotten), lines[0]);
        Assert.Equal("2 checked: 1 ok, 1 mismatch, 0 missing, 0 unverifiable", lines[1]);

        var json = await cli.RunAsync("fixity", "--measurement", measurement.ToString(), "--json");
        Assert.True(json.ExitCode == 5, json.ToString());
        var report = JsonNode.Parse(json.Stdout)!;
        Assert.Equal(1, report["counts"]!["mismatch"]!.GetValue<int>());
        Assert.Equal(["mismatch", "ok"], report["assets"]!.AsArray().Select(a => a!["status"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Fixity_exits_6_when_an_archive_cannot_be_reached_and_4_for_a_measurement_you_may_not_see()
    {
        using var cli = new Cli();
        var (user, proposal) = await Setup.SignedInAsync(server, cli, "Paula");
        var measurement = (await user.CreateMeasurementAsync((await user.CreateExperimentAsync(proposal.Id())).Id())).Id();
        int closedPort;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        Assert.Equal(HttpStatusCode.Created, (await user.PostAsync("/api/v1/data-assets", new
        {
            measurementId = measurement, dataAssetName = "far.dat", storage = "linked", linkUri = $"http://127.0.0.1:{closedPort}/far.dat", dataSize = 10, dataChecksum = Tus.Sha256(new byte[10]),
        })).StatusCode);

        var unreachable = await cli.RunAsync("fixity", "--measurement", measurement.ToString());
        Assert.True(unreachable.ExitCode == 6, unreachable.ToString());
        Assert.StartsWith("unverifiable far.dat ", unreachable.Stdout);
        Assert.Contains("could not be reached", unreachable.Stdout);

        var hidden = await cli.RunAsync("fixity", "--measurement", Guid.CreateVersion7().ToString());
        Assert.True(hidden.ExitCode == 4, hidden.ToString());
        Assert.Contains("(404)", hidden.Stderr);
        Assert.Empty(hidden.Stdout);
    }
}
