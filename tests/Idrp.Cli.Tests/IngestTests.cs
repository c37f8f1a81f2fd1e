using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Idrp.Testing;

namespace Idrp.Cli.Tests;

/// <summary><c>idrp ingest</c> and <c>idrp download</c> against a real server, as a real process.</summary>
public sealed class IngestTests(IdrpServer server) : IClassFixture<IdrpServer>
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    private static Dictionary<string, byte[]> WriteTree(string folder)
    {
        var files = new Dictionary<string, byte[]>
        {
            ["notes.txt"] = "Ge islands, 50 kx\n"u8.ToArray(),
            ["empty.dat"] = [],
            ["raw/frames.bin"] = Tus.RandomBytes(300_000, seed: 41),
            ["raw/day 2/scan ü.sxm"] = Tus.RandomBytes(70_001, seed: 42),
        };
        foreach (var (path, bytes) in files)
        {
            var full = Path.Combine(folder, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, bytes);
        }

        return files;
    }

    [Fact]
    public async Task Ingest_uploads_a_tree_complete_with_checksums_a_rerun_skips_everything_and_download_restores_it()
    {
        using var cli = new Cli();
        var (user, proposal) = await Setup.SignedInAsync(server, cli, "Nina");
        var folder = Setup.Folder(cli, "session");
        var files = WriteTree(folder);

        var ingest = await cli.RunAsync("ingest", folder, "--proposal", proposal["proposalNumber"]!.GetValue<string>(),
            "--experiment", "Beamtime 7", "--measurement", "Island field", "--parallel", "2", "--json");
        Assert.True(ingest.ExitCode == 0, ingest.ToString());
        var report = JsonNode.Parse(ingest.Stdout)!;
        var measurementId = Guid.Parse(report["measurementId"]!.GetValue<string>());
        Assert.All(report["files"]!.AsArray(), f => Assert.Equal("uploaded", f!["status"]!.GetValue<string>()));

        var measurement = await (await user.GetAsync($"/api/v1/measurements/{measurementId}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("Island field", measurement["measurementName"]!.GetValue<string>());
        var assets = await Setup.AssetsAsync(user, measurementId);
        Assert.Equal(files.Keys.Order(StringComparer.Ordinal), assets.Select(Setup.Key).Order(StringComparer.Ordinal));
        foreach (var asset in assets)
        {
            var bytes = files[Setup.Key(asset)];
            Assert.Equal("complete", asset["state"]!.GetValue<string>());
            Assert.Equal(bytes.Length, asset["dataSize"]!.GetValue<long>());
            Assert.Equal(Tus.Sha256(bytes), asset["dataChecksum"]!.GetValue<string>());
        }

        // Same names under an existing experiment and measurement: found, not created again; every file skipped.
        var again = await cli.RunAsync("ingest", folder, "--proposal", proposal.Id().ToString(), "--experiment", "Beamtime 7", "--measurement", "Island field");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("using measurement Island field", again.Stdout);
        Assert.Contains($"{files.Count} files: {files.Count} skipped", again.Stdout);
        Assert.Equal(files.Count, (await Setup.AssetsAsync(user, measurementId)).Count);

        var output = Path.Combine(cli.Home, "download");
        var download = await cli.RunAsync("download", "--measurement", measurementId.ToString(), "-o", output);
        Assert.True(download.ExitCode == 0, download.ToString());
        foreach (var (path, bytes) in files)
        {
            Assert.Equal(bytes, await File.ReadAllBytesAsync(Path.Combine(output, path), Ct));
        }

        Assert.Empty(Directory.GetFiles(output, "*.part", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Download_resumes_a_part_file_and_refuses_one_that_does_not_match_with_5()
    {
        using var cli = new Cli();
        var (user, proposal) = await Setup.SignedInAsync(server, cli, "Olga");
        var folder = Setup.Folder(cli, "one");
        var data = Tus.RandomBytes(1_000_000, seed: 43);
        await File.WriteAllBytesAsync(Path.Combine(folder, "big.raw"), data, Ct);
        var ingest = await cli.RunAsync("ingest", folder, "--proposal", proposal.Id().ToString(), "--experiment", "E", "--measurement", "M", "--json");
        Assert.True(ingest.ExitCode == 0, ingest.ToString());
        var assetId = JsonNode.Parse(ingest.Stdout)!["files"]![0]!["assetId"]!.GetValue<string>();

        var output = Setup.Folder(cli, "out");
        await File.WriteAllBytesAsync(Path.Combine(output, "big.raw.part"), data.AsSpan(0, 400_000).ToArray(), Ct);
        var resumed = await cli.RunAsync("download", assetId, "-o", output);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.StartsWith("resumed big.raw", resumed.Stdout);
        Assert.Equal(data, await File.ReadAllBytesAsync(Path.Combine(output, "big.raw"), Ct));

        var other = Setup.Folder(cli, "other");
        await File.WriteAllBytesAsync(Path.Combine(other, "big.raw.part"), new byte[400_000], Ct);
        var corrupt = await cli.RunAsync("download", assetId, "-o", other);
        Assert.Equal(5, corrupt.ExitCode);
        Assert.Contains("Checksum mismatch", corrupt.Stderr);
        Assert.False(File.Exists(Path.Combine(other, "big.raw")));
        Assert.False(File.Exists(Path.Combine(other, "big.raw.part")));
        _ = user;
    }

    [Fact]
    public async Task Link_registers_files_in_place_with_size_and_checksum_and_uploads_nothing()
    {
        using var cli = new Cli();
        var (user, proposal) = await Setup.SignedInAsync(server, cli, "Pia");
        var folder = Setup.Folder(cli, "archive");
        var files = WriteTree(folder);

        var ingest = await cli.RunAsync("ingest", folder, "--proposal", proposal.Id().ToString(), "--experiment", "E", "--measurement", "Linked",
            "--link", "https://archive.example.org/ts-42/", "--json");
        Assert.True(ingest.ExitCode == 0, ingest.ToString());
        var measurementId = Guid.Parse(JsonNode.Parse(ingest.Stdout)!["measurementId"]!.GetValue<string>());
        var assets = await Setup.AssetsAsync(user, measurementId);
        Assert.Equal(files.Count, assets.Count);
        foreach (var asset in assets)
        {
            var key = Setup.Key(asset);
            Assert.Equal("linked", asset["storage"]!.GetValue<string>());
            Assert.Equal("complete", asset["state"]!.GetValue<string>());
            Assert.Equal(Tus.Sha256(files[key]), asset["dataChecksum"]!.GetValue<string>());
            Assert.Equal(new Uri("https://archive.example.org/ts-42/" + key), new Uri(asset["linkUri"]!.GetValue<string>()));
        }

        Assert.Empty(await server.Storage.ListAsync(server.DataDirectory, "uploads/"));
    }

    [Fact]
    public async Task A_hostile_file_name_is_reported_and_the_other_files_are_still_ingested()
    {
        using var cli = new Cli();
        var (user, proposal) = await Setup.SignedInAsync(server, cli, "Quinn");
        var folder = Setup.Folder(cli, "hostile");
        await File.WriteAllTextAsync(Path.Combine(folder, "good.txt"), "fine", Ct);
        await File.WriteAllTextAsync(Path.Combine(folder, "back\\slash.txt"), "refused", Ct);
        await File.WriteAllTextAsync(Path.Combine(folder, "new\nline.txt"), "refused", Ct);
        await File.WriteAllTextAsync(Path.Combine(folder, "zz-last.txt"), "fine too", Ct);

        var ingest = await cli.RunAsync("ingest", folder, "--proposal", proposal.Id().ToString(), "--experiment", "E", "--measurement", "M", "--parallel", "1");
        Assert.Equal(1, ingest.ExitCode);
        Assert.Contains("back\\slash.txt", ingest.Stderr);
        Assert.Contains("may not contain '/' or '\\'", ingest.Stderr);
        Assert.Contains("new\\nline.txt", ingest.Stderr); // printed escaped: one line per failure
        Assert.Equal(2, ingest.Stderr.Trim().Split('\n').Length);
        Assert.Contains("2 uploaded, 2 failed", ingest.Stdout);

        var measurements = await (await user.GetAsync($"/api/v1/measurements?proposalId={proposal.Id()}")).ReadJsonAsync(HttpStatusCode.OK);
        var assets = await Setup.AssetsAsync(user, measurements["items"]![0]!.Id());
        Assert.Equal(["good.txt", "zz-last.txt"], assets.Select(Setup.Key).Order(StringComparer.Ordinal));
        Assert.All(assets, a => Assert.Equal("complete", a["state"]!.GetValue<string>()));
    }
}
