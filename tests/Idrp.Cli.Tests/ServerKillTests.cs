using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Idrp.Testing;
using Microsoft.Data.Sqlite;

namespace Idrp.Cli.Tests;

/// <summary>Issue 4: an ingest whose server is killed with SIGKILL mid-upload resumes and ends with a verified asset.</summary>
public sealed class ServerKillTests
{
    [Fact]
    public async Task An_ingest_outlives_a_server_killed_mid_upload_and_no_record_ever_claims_bytes_the_store_lacks()
    {
        var ct = TestContext.Current.CancellationToken;

        // Durable every 4 MiB, so that the killed server has a recorded offset to resume from; a 3 s lease, so that
        // the killed request's lease is over by the time the server is back.
        await using var processes = await ServerProcesses.CreateAsync();
        var server = await processes.StartAsync(settings: new Dictionary<string, string>
        {
            ["Storage:UploadSyncBytes"] = (4 << 20).ToString(CultureInfo.InvariantCulture),
            ["Storage:UploadLease"] = "00:00:03",
        });
        var admin = (await server.AdminAsync()).Http;
        var proposalResponse = await admin.PostAsJsonAsync("api/v1/proposals", new { proposalNumber = "KILL-" + Guid.NewGuid().ToString("N")[..8], title = "Killed server" }, ct);
        var proposal = await proposalResponse.ReadJsonAsync(HttpStatusCode.Created);

        using var cli = new Cli();
        var login = await cli.RunAsync("login", "--server", server.BaseAddress.ToString(), "--token", admin.DefaultRequestHeaders.Authorization!.Parameter!);
        Assert.True(login.ExitCode == 0, login.ToString());
        var folder = Setup.Folder(cli, "movie");
        var data = Tus.RandomBytes(40 << 20, seed: 45);
        await File.WriteAllBytesAsync(Path.Combine(folder, "movie.h5"), data, ct);
        string[] args = ["ingest", folder, "--proposal", proposal.Id().ToString(), "--experiment", "E", "--measurement", "M", "--chunk-size", "1"];

        using var run = cli.Start(args);
        var stdout = run.StandardOutput.ReadToEndAsync(ct);
        var stderr = run.StandardError.ReadToEndAsync(ct);
        var url = await ResumeTests.UploadUrlAsync(cli, run, ct);
        var database = $"Data Source={processes.SqliteFile ?? throw new InvalidOperationException("The CLI tests run on SQLite.")};Pooling=False";

        // Kill it once it has recorded some durable bytes (every 4 MiB), and before the last.
        long recorded;
        while ((recorded = await RecordedOffsetAsync(database, ct)) == 0)
        {
            Assert.False(run.HasExited, "the ingest ended before the server recorded any durable bytes");
            await Task.Delay(10, ct);
        }

        server.Kill();

        // With the server dead: its records claim no byte the store does not have.
        using (var db = new SqliteConnection(database))
        {
            await db.OpenAsync(ct);
            using var query = db.CreateCommand();
            query.CommandText = "SELECT u.\"offset\", u.length, u.staging_key, u.state, a.state, a.blob_key FROM uploads u JOIN data_assets a ON a.id = u.asset_id";
            using var reader = await query.ExecuteReaderAsync(ct);
            Assert.True(await reader.ReadAsync(ct), "no upload was recorded");
            var (offset, length, staging) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2));
            Assert.InRange(offset, recorded, length - 1);
            Assert.Equal("active", reader.GetString(3), ignoreCase: true);
            Assert.Equal("pending", reader.GetString(4), ignoreCase: true);
            Assert.True(reader.IsDBNull(5), "a pending asset has a blob");
            var staged = new FileInfo(Path.Combine(processes.DataDirectory, "blobs", staging));
            Assert.True(staged.Exists && staged.Length >= offset, $"the upload claims {offset} bytes, the staging file has {(staged.Exists ? staged.Length : -1)}");
            Assert.Equal(SHA256.HashData(data.AsSpan(0, (int)offset)), SHA256.HashData(File.ReadAllBytes(staged.FullName).AsSpan(0, (int)offset)));
            Assert.False(await reader.ReadAsync(ct), "more than one upload");
        }

        await server.StartAgainAsync();

        // The running ingest retries on its own while the server is away; if it gave up, a second run resumes.
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(120));
            await run.WaitForExitAsync(timeout.Token);
        }

        var first = new CliResult(run.ExitCode, await stdout, await stderr);
        if (first.ExitCode != 0)
        {
            var second = await cli.RunAsync(args);
            Assert.True(second.ExitCode == 0, $"{first}\n{second}");
            Assert.Contains("resum", second.Stdout);
        }

        var measurements = await (await admin.GetAsync($"api/v1/measurements?proposalId={proposal.Id()}", ct)).ReadJsonAsync(HttpStatusCode.OK);
        var assets = await (await admin.GetAsync($"api/v1/data-assets?measurementId={measurements["items"]![0]!.Id()}", ct)).ReadJsonAsync(HttpStatusCode.OK);
        var asset = Assert.Single(assets["items"]!.AsArray())!;
        Assert.Equal("complete", asset["state"]!.GetValue<string>());
        Assert.Equal(Tus.Sha256(data), asset["dataChecksum"]!.GetValue<string>());
        var content = await admin.GetByteArrayAsync($"api/v1/data-assets/{asset.Id()}/content", ct);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(content));

        // It was resumed, not started again: the asset has the one upload the first run created.
        Assert.Equal(await OffsetAsync(admin, url, ct), data.Length);
    }

    /// <summary>The upload's offset as the database has it (read beside the running server: SQLite in WAL mode allows it).</summary>
    private static async Task<long> RecordedOffsetAsync(string database, CancellationToken ct)
    {
        using var db = new SqliteConnection(database);
        await db.OpenAsync(ct);
        using var query = db.CreateCommand();
        query.CommandText = "SELECT coalesce(max(\"offset\"), 0) FROM uploads";
        return Convert.ToInt64(await query.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }

    private static async Task<long> OffsetAsync(HttpClient client, string url, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, url.TrimStart('/'));
        request.Headers.Add("Tus-Resumable", "1.0.0");
        using var response = await client.SendAsync(request, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return long.Parse(response.Headers.GetValues("Upload-Offset").Single(), CultureInfo.InvariantCulture);
    }
}
