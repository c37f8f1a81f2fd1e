using System.Net;
using System.Text.Json.Nodes;
using Idrp.Testing;

namespace Idrp.Cli.Tests;

/// <summary>A killed <c>idrp ingest</c> resumes its upload on the next run instead of starting over.</summary>
public sealed class ResumeTests(IdrpServer server) : IClassFixture<IdrpServer>
{
    [Fact]
    public async Task A_killed_ingest_resumes_its_upload_where_the_server_got_and_completes_it()
    {
        var ct = TestContext.Current.CancellationToken;
        using var cli = new Cli();
        var (user, proposal) = await Setup.SignedInAsync(server, cli, "Rita");
        var folder = Setup.Folder(cli, "movie");
        var data = Tus.RandomBytes(50 * 1024 * 1024, seed: 44);
        await File.WriteAllBytesAsync(Path.Combine(folder, "movie.h5"), data, ct);
        string[] args = ["ingest", folder, "--proposal", proposal.Id().ToString(), "--experiment", "E", "--measurement", "M", "--chunk-size", "1"];

        // Kill the client once the server has acknowledged its first chunk (and before the last).
        long killedAt;
        using (var first = cli.Start(args))
        {
            var url = await UploadUrlAsync(cli, first, ct);
            while (true)
            {
                killedAt = await user.OffsetAsync(url);
                if (killedAt > 0)
                {
                    break;
                }

                Assert.False(first.HasExited, "the first run ended before any chunk was acknowledged");
                await Task.Delay(10, ct);
            }

            first.Kill(entireProcessTree: true);
            await first.WaitForExitAsync(ct);
            Assert.InRange(killedAt, 1, data.Length - 1);
        }

        var second = await cli.RunAsync([.. args[..^1], "16"]); // the chunk size may differ between runs
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("resuming movie.h5 at ", second.Stdout);
        Assert.Contains("resumed movie.h5", second.Stdout);

        var measurements = await (await user.GetAsync($"/api/v1/measurements?proposalId={proposal.Id()}")).ReadJsonAsync(HttpStatusCode.OK);
        var asset = Assert.Single(await Setup.AssetsAsync(user, measurements["items"]![0]!.Id()));
        Assert.Equal("complete", asset["state"]!.GetValue<string>());
        Assert.Equal(Tus.Sha256(data), asset["dataChecksum"]!.GetValue<string>());
        var content = await user.GetAsync($"/api/v1/data-assets/{asset.Id()}/content");
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(data), System.Security.Cryptography.SHA256.HashData(await content.Content.ReadAsByteArrayAsync(ct)));
    }

    /// <summary>The upload URL the running CLI recorded in its ingest journal, which it writes before sending any byte of a multi-chunk file.</summary>
    internal static async Task<string> UploadUrlAsync(Cli cli, System.Diagnostics.Process process, CancellationToken ct)
    {
        var directory = Path.Combine(cli.CacheHome, "idrp", "ingest");
        for (var attempt = 0; attempt < 3000; attempt++)
        {
            if (process.HasExited)
            {
                Assert.Fail($"the first run ended (exit {process.ExitCode}) before it created its upload: {await process.StandardOutput.ReadToEndAsync(ct)} {await process.StandardError.ReadToEndAsync(ct)}");
            }

            foreach (var file in Directory.Exists(directory) ? Directory.GetFiles(directory, "*.jsonl") : [])
            {
                try
                {
                    using var reader = new StreamReader(new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
                    while (await reader.ReadLineAsync(ct) is { } line)
                    {
                        if (JsonNode.Parse(line) is { } entry && entry["path"]?.GetValue<string>() == "movie.h5" && entry["uploadUrl"]?.GetValue<string>() is { } url)
                        {
                            return url;
                        }
                    }
                }
                catch (Exception e) when (e is IOException or System.Text.Json.JsonException)
                {
                    // Being written or compacted right now; read it again.
                }
            }

            await Task.Delay(10, ct);
        }

        throw new TimeoutException("The CLI recorded no upload.");
    }
}
