using System.Security.Cryptography;
using Idrp.Cli.Api;
using Idrp.Cli.Ingest;
using Idrp.Testing;

namespace Idrp.Cli.Tests;

/// <summary>
/// The CLI's batch upload in process against a real server: a new file is read once and hashed on its way, and a file
/// that is not the size it was listed with any more, or is gone, is refused alone, with nothing of it stored.
/// </summary>
public sealed class BatchUploaderTests(IdrpServer server) : IClassFixture<IdrpServer>
{
    [Fact]
    public async Task New_files_are_hashed_while_sent_and_a_file_that_changed_or_went_since_it_was_listed_is_refused_alone()
    {
        var ct = TestContext.Current.CancellationToken;
        using var cli = new Cli();
        var (user, _, measurement) = await server.NewMeasurementAsync("Bruno");
        var folder = Setup.Folder(cli, "frames");
        var known = Tus.RandomBytes(5_000, seed: 1);
        var fresh = Tus.RandomBytes(100_000, seed: 2);
        var grown = Tus.RandomBytes(20_000, seed: 3);
        var shrunk = Tus.RandomBytes(9_000, seed: 4);
        await File.WriteAllBytesAsync(Path.Combine(folder, "known.dat"), known, ct);
        await File.WriteAllBytesAsync(Path.Combine(folder, "fresh.dat"), fresh, ct);
        await File.WriteAllBytesAsync(Path.Combine(folder, "grown.dat"), grown, ct);
        await File.WriteAllBytesAsync(Path.Combine(folder, "shrunk.dat"), shrunk, ct);
        LocalFile Local(string name) => new(Path.Combine(folder, name), "", name);
        BatchEntry[] entries =
        [
            new(Local("known.dat"), known.Length, Convert.ToHexStringLower(SHA256.HashData(known))),
            new(Local("fresh.dat"), fresh.Length, Sha256Hex: null),
            new(Local("grown.dat"), grown.Length - 1, Sha256Hex: null), // listed before its last byte was written
            new(Local("shrunk.dat"), shrunk.Length + 10, Sha256Hex: null), // listed longer than it is now
            new(Local("gone.dat"), 1_000, Sha256Hex: null), // deleted since it was listed
        ];

        using var api = new IdrpApi(new CliConfig(server.BaseAddress.ToString(), user.Token!));
        var results = await new BatchUploader(api).SendAsync(measurement, entries, ct);

        Assert.Equal(["stored", "stored", "failed", "failed", "failed"], results.Select(r => r.Status));
        Assert.Equal([null, null, "checksum-mismatch", "checksum-mismatch", "checksum-mismatch"], results.Select(r => r.ErrorCode));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(known)), entries[0].SentSha256Hex);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(fresh)), entries[1].SentSha256Hex);
        Assert.Null(entries[2].SentSha256Hex);
        Assert.Null(entries[3].SentSha256Hex);
        Assert.Null(entries[4].SentSha256Hex);

        var assets = await Setup.AssetsAsync(user, measurement);
        Assert.Equal(["fresh.dat", "known.dat"], assets.Select(Setup.Key).Order(StringComparer.Ordinal));
        Assert.All(assets, a => Assert.Equal("complete", a["state"]!.GetValue<string>()));
        Assert.Equal(Tus.Sha256(fresh), assets.Single(a => Setup.Key(a) == "fresh.dat")["dataChecksum"]!.GetValue<string>());
    }
}
