using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Idrp.Infrastructure.Storage;
using Idrp.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Idrp.Server.Tests;

/// <summary>The fixity check (issue 4): stored blobs and linked archives re-read and compared with the record.</summary>
public sealed class FixityTests(IdrpServer server) : IClassFixture<IdrpServer>
{
    private async Task<(ApiClient User, Guid Proposal, Guid Measurement)> MeasurementAsync(string name)
    {
        var user = await (await server.AdminAsync()).CreateUserAsync(name);
        var proposal = (await user.CreateProposalAsync()).Id();
        var measurement = (await user.CreateMeasurementAsync((await user.CreateExperimentAsync(proposal)).Id())).Id();
        return (user, proposal, measurement);
    }

    private static async Task<Guid> LinkAsync(ApiClient user, Guid measurement, string name, Uri link, long size, string checksum) =>
        (await (await user.PostAsync("/api/v1/data-assets", new { measurementId = measurement, dataAssetName = name, storage = "linked", linkUri = link.ToString(), dataSize = size, dataChecksum = checksum }))
            .ReadJsonAsync(HttpStatusCode.Created)).Id();

    private static async Task<JsonNode> FixityAsync(ApiClient user, Guid measurement) =>
        await (await user.PostAsync($"/api/v1/measurements/{measurement}/fixity", new { })).ReadJsonAsync(HttpStatusCode.OK);

    private static JsonNode Entry(JsonNode report, Guid asset) =>
        report["assets"]!.AsArray().Single(a => a!["assetId"]!.GetValue<string>() == asset.ToString())!;

    private static string Status(JsonNode report, Guid asset) => Entry(report, asset)["status"]!.GetValue<string>();

    private static void AssertCounts(JsonNode report, int ok, int mismatch, int missing, int unverifiable)
    {
        var counts = report["counts"]!;
        Assert.Equal(
            (ok + mismatch + missing + unverifiable, ok, mismatch, missing, unverifiable),
            (counts["checked"]!.GetValue<int>(), counts["ok"]!.GetValue<int>(), counts["mismatch"]!.GetValue<int>(), counts["missing"]!.GetValue<int>(), counts["unverifiable"]!.GetValue<int>()));
    }

    /// <summary>Replaces the bytes of a stored asset behind the server's back, as bit rot or an operator would.</summary>
    private Task OverwriteBlobAsync(Guid asset, byte[]? data) =>
        server.Storage.OverwriteBlobAsync(server.DataDirectory, BlobKeys.ForAsset(asset), data);

    [Fact]
    public async Task Intact_stored_assets_check_ok_and_a_corrupted_or_deleted_blob_is_a_mismatch_or_missing()
    {
        var (user, _, measurement) = await MeasurementAsync("Fiona");
        // Larger than the check's 1 MiB buffer and not a multiple of it, so several reads and a short tail are hashed.
        var big = Tus.RandomBytes(2 * 1024 * 1024 + 333, seed: 40);
        var small = Tus.RandomBytes(1000, seed: 41);
        var bigId = await user.UploadFileAsync(measurement, "frames.h5", big);
        var smallId = await user.UploadFileAsync(measurement, "notes.txt", small);

        var intact = await FixityAsync(user, measurement);
        AssertCounts(intact, ok: 2, mismatch: 0, missing: 0, unverifiable: 0);
        var entry = Entry(intact, bigId);
        Assert.Equal(("frames.h5", "", "stored", "ok"), (entry["name"]!.GetValue<string>(), entry["relativePath"]!.GetValue<string>(), entry["storage"]!.GetValue<string>(), entry["status"]!.GetValue<string>()));
        Assert.Equal(Tus.Sha256(big), entry["expected"]!.GetValue<string>());
        Assert.Equal(Tus.Sha256(big), entry["actual"]!.GetValue<string>());
        Assert.Equal(big.Length, entry["size"]!.GetValue<long>());

        // One flipped byte in the last, partial buffer: same size, other checksum.
        var rotten = (byte[])big.Clone();
        rotten[^5] ^= 0x40;
        await OverwriteBlobAsync(bigId, rotten);
        await OverwriteBlobAsync(smallId, null);

        var damaged = await FixityAsync(user, measurement);
        AssertCounts(damaged, ok: 0, mismatch: 1, missing: 1, unverifiable: 0);
        Assert.Equal("mismatch", Status(damaged, bigId));
        Assert.Equal(Tus.Sha256(rotten), Entry(damaged, bigId)["actual"]!.GetValue<string>());
        Assert.Equal(big.Length, Entry(damaged, bigId)["size"]!.GetValue<long>());
        Assert.Equal("missing", Status(damaged, smallId));
        Assert.Null(Entry(damaged, smallId)["actual"]);

        var warnings = server.Logs.Where(l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("Fixity", StringComparison.Ordinal)).ToList();
        Assert.Contains(warnings, l => l.Contains(bigId.ToString(), StringComparison.Ordinal) && l.Contains("Mismatch", StringComparison.Ordinal));
        Assert.Contains(warnings, l => l.Contains(smallId.ToString(), StringComparison.Ordinal) && l.Contains("Missing", StringComparison.Ordinal));

        // Nothing is persisted: the records are as they were.
        var record = await (await user.GetAsync($"/api/v1/data-assets/{bigId}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(("complete", Tus.Sha256(big)), (record["state"]!.GetValue<string>(), record["dataChecksum"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Linked_assets_are_read_from_their_archive_and_compared_and_an_unreachable_archive_is_unverifiable()
    {
        await using var archive = await Archive.StartAsync();
        var (user, _, measurement) = await MeasurementAsync("Gustav");
        var scan = Tus.RandomBytes(1024 * 1024 + 9, seed: 42);
        var log = Tus.RandomBytes(500, seed: 43);
        archive.Files["/data/scan.sxm"] = scan;
        archive.Files["/data/run.log"] = log;
        var scanId = await LinkAsync(user, measurement, "scan.sxm", archive.Url("/data/scan.sxm"), scan.Length, Tus.Sha256(scan));
        var logId = await LinkAsync(user, measurement, "run.log", archive.Url("/data/run.log"), log.Length, "md5:" + Convert.ToHexStringLower(MD5.HashData(log)));
        var goneId = await LinkAsync(user, measurement, "gone.dat", archive.Url("/data/gone.dat"), 10, Tus.Sha256(new byte[10]));
        var closedPort = ClosedLoopbackPort();
        var unreachableId = await LinkAsync(user, measurement, "far.dat", new Uri($"http://127.0.0.1:{closedPort}/far.dat"), 10, Tus.Sha256(new byte[10]));

        var first = await FixityAsync(user, measurement);
        AssertCounts(first, ok: 2, mismatch: 0, missing: 1, unverifiable: 1);
        Assert.Equal("ok", Status(first, scanId));
        Assert.Equal("linked", Entry(first, scanId)["storage"]!.GetValue<string>());
        Assert.Equal("ok", Status(first, logId));
        Assert.Equal("missing", Status(first, goneId));
        Assert.Equal("unverifiable", Status(first, unreachableId));
        Assert.Contains("could not be reached", Entry(first, unreachableId)["reason"]!.GetValue<string>());

        // The archive now serves other bytes: same length for one, shorter for the other.
        var changed = (byte[])scan.Clone();
        changed[0] ^= 1;
        archive.Files["/data/scan.sxm"] = changed;
        archive.Files["/data/run.log"] = log[..499];
        var second = await FixityAsync(user, measurement);
        AssertCounts(second, ok: 0, mismatch: 2, missing: 1, unverifiable: 1);
        Assert.Equal(Tus.Sha256(changed), Entry(second, scanId)["actual"]!.GetValue<string>());
        Assert.Equal("mismatch", Status(second, logId));
        Assert.Equal(499, Entry(second, logId)["size"]!.GetValue<long>());
        Assert.StartsWith("md5:", Entry(second, logId)["actual"]!.GetValue<string>());
        Assert.DoesNotContain(server.Logs, l => l.Contains("/data/scan.sxm", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Non_members_get_404_and_a_read_only_token_of_a_member_gets_403()
    {
        var (pi, proposal, measurement) = await MeasurementAsync("Hedda");
        var admin = await server.AdminAsync();
        var outsider = await admin.CreateUserAsync("Ivo");
        var reader = await admin.CreateUserAsync("Jana", scope: "read");
        Assert.Equal(HttpStatusCode.NoContent, (await pi.PutAsync($"/api/v1/proposals/{proposal}/members/{reader.PersonId}", new { role = "member" })).StatusCode);

        await (await outsider.PostAsync($"/api/v1/measurements/{measurement}/fixity", new { })).ReadProblemAsync(HttpStatusCode.NotFound);
        await (await outsider.PostAsync($"/api/v1/measurements/{Guid.CreateVersion7()}/fixity", new { })).ReadProblemAsync(HttpStatusCode.NotFound);
        await (await reader.PostAsync($"/api/v1/measurements/{measurement}/fixity", new { })).ReadProblemAsync(HttpStatusCode.Forbidden);
        await (await server.Anonymous().PostAsync($"/api/v1/measurements/{measurement}/fixity", new { })).ReadProblemAsync(HttpStatusCode.Unauthorized);

        var empty = await FixityAsync(pi, measurement);
        AssertCounts(empty, ok: 0, mismatch: 0, missing: 0, unverifiable: 0);
    }

    /// <summary>A port on the loopback address that nothing listens on: connecting is refused at once.</summary>
    private static int ClosedLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>A data archive at a loopback port, serving whatever bytes the test puts in <see cref="Files"/> (404 otherwise).</summary>
    private sealed class Archive(WebApplication app, Uri baseAddress) : IAsyncDisposable
    {
        public Dictionary<string, byte[]> Files { get; } = [];

        public Uri Url(string path) => new(baseAddress, path);

        public static async Task<Archive> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            Archive? archive = null;
            app.Run(async context =>
            {
                if (!archive!.Files.TryGetValue(context.Request.Path.Value ?? "", out var bytes))
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return;
                }

                context.Response.ContentLength = bytes.Length;
                await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
            });
            await app.StartAsync(TestContext.Current.CancellationToken);
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            archive = new Archive(app, new Uri(address));
            return archive;
        }

        public async ValueTask DisposeAsync() => await app.DisposeAsync();
    }
}
