using System.CommandLine;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Idrp.Cli.Api;

namespace Idrp.Cli.Commands;

/// <summary>
/// <c>idrp download</c>: each asset streams into NAME.part, resumes with Range when a .part is already there,
/// is verified against the record's checksum and only then renamed into place.
/// </summary>
internal static class DownloadCommand
{
    public static Command Create()
    {
        var asset = new Argument<Guid?>("asset") { Description = "The data asset's id.", Arity = ArgumentArity.ZeroOrOne };
        var measurement = new Option<Guid?>("--measurement") { Description = "Download every asset of this measurement instead." };
        var output = new Option<DirectoryInfo>("--output", "-o") { Description = "The folder to download into; assets keep their relativePath below it.", Required = true };
        var command = new Command("download", "Download data assets, resumably, verifying their checksums.") { asset, measurement, output };
        command.SetAction(async (parse, ct) =>
        {
            var assetId = parse.GetValue(asset);
            var measurementId = parse.GetValue(measurement);
            if (assetId is null == measurementId is null)
            {
                throw new CliException(ExitCodes.Usage, "Give either an asset id or --measurement ID.");
            }

            var root = parse.GetValue(output)!.FullName;
            using var api = new IdrpApi(CliConfig.Load());
            var assets = assetId is { } one
                ? [await api.GetAsync($"api/v1/data-assets/{one}", ct)]
                : await ListMeasurementAsync(api, measurementId!.Value, ct);

            var exitCode = ExitCodes.Ok;
            foreach (var record in assets)
            {
                try
                {
                    var path = await DownloadAsync(api, record, root, ct);
                    Console.WriteLine($"{path.Status} {Path.GetRelativePath(root, path.Target)}");
                }
                catch (CliException e) when (assets.Count > 1)
                {
                    Console.Error.WriteLine($"idrp: {Ingest.Ingester.Key(record.Str("relativePath"), record.Str("dataAssetName"))}: {e.Message}");
                    exitCode = exitCode == ExitCodes.Ok ? e.ExitCode : exitCode;
                }
            }

            return exitCode;
        });
        return command;
    }

    private static async Task<List<JsonObject>> ListMeasurementAsync(IdrpApi api, Guid measurementId, CancellationToken ct)
    {
        await api.GetAsync($"api/v1/measurements/{measurementId}", ct); // 404 for an unknown measurement, rather than an empty list
        return await api.ListAllAsync($"api/v1/data-assets?measurementId={measurementId}", ct);
    }

    private static async Task<(string Status, string Target)> DownloadAsync(IdrpApi api, JsonObject record, string root, CancellationToken ct)
    {
        var target = SafePath.Combine(root, record.Str("relativePath"), record.Str("dataAssetName"))
            ?? throw new CliException(ExitCodes.General, $"Refusing the name '{Api.Problem.OneLine(record.Str("relativePath") + "/" + record.Str("dataAssetName"))}': it would leave {root}.");
        if (record.Str("state") != "complete")
        {
            throw new CliException(ExitCodes.Conflict, $"Data asset {record.Id()} has no data yet (state {record.Str("state")}).");
        }

        var (algorithm, expected) = SplitChecksum(record.Str("dataChecksum"));
        if (File.Exists(target))
        {
            if (await HashFileAsync(target, algorithm, ct) == expected)
            {
                return ("unchanged", target);
            }

            throw new CliException(ExitCodes.Conflict, $"{target} exists with other content; move it away first.");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var part = target + ".part";
        using var hash = IncrementalHash.CreateHash(algorithm);
        long have = 0;
        if (File.Exists(part))
        {
            await using var existing = File.OpenRead(part);
            await HashStreamAsync(existing, hash, ct);
            have = existing.Length;
        }

        var linked = record.Str("storage") == "linked";
        var request = new HttpRequestMessage(HttpMethod.Get, linked ? new Uri(record.Str("linkUri")) : new Uri(api.BaseAddress, $"api/v1/data-assets/{record.Id()}/content"));
        if (have > 0)
        {
            request.Headers.Range = new RangeHeaderValue(have, null);
            if (algorithm == HashAlgorithmName.SHA256)
            {
                // The content's ETag is its SHA-256: a changed file comes back whole, not as a wrong tail.
                request.Headers.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue($"\"{expected}\""));
            }
        }

        using var response = linked ? await SendLinkedAsync(request, ct) : await api.SendAsync(request, ct, HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            File.Delete(part); // longer than the asset: start again on the next run
            throw new CliException(ExitCodes.Conflict, $"The partial download {part} did not fit the asset; it was removed, run download again.");
        }

        await IdrpApi.ThrowIfFailedAsync(response, ct);
        var resumed = response.StatusCode == HttpStatusCode.PartialContent && have > 0;
        using var fresh = resumed ? null : IncrementalHash.CreateHash(algorithm);
        var effective = fresh ?? hash;
        await using (var file = new FileStream(part, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
        await using (var body = await response.Content.ReadAsStreamAsync(ct))
        {
            var buffer = new byte[1 << 16];
            int read;
            while ((read = await body.ReadAsync(buffer, ct)) > 0)
            {
                effective.AppendData(buffer, 0, read);
                await file.WriteAsync(buffer.AsMemory(0, read), ct);
            }
        }

        var actual = Convert.ToHexStringLower(effective.GetHashAndReset());
        if (actual != expected)
        {
            File.Delete(part);
            throw new CliException(ExitCodes.Conflict, $"Checksum mismatch for {target}: expected {record.Str("dataChecksum")}, got {actual}; the partial file was removed.");
        }

        File.Move(part, target);
        return (resumed ? "resumed" : "downloaded", target);
    }

    /// <summary>A linked asset's archive gets no bearer token: it is somebody else's server.</summary>
    private static async Task<HttpResponseMessage> SendLinkedAsync(HttpRequestMessage request, CancellationToken ct)
    {
        using var http = new HttpClient();
        try
        {
            return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (HttpRequestException e)
        {
            throw new CliException(ExitCodes.Network, $"Cannot reach {request.RequestUri}: {e.Message}", e);
        }
    }

    private static (HashAlgorithmName Algorithm, string Hex) SplitChecksum(string checksum)
    {
        var colon = checksum.IndexOf(':', StringComparison.Ordinal);
        var algorithm = colon < 0 ? "" : checksum[..colon];
        return (algorithm switch
        {
            "sha256" => HashAlgorithmName.SHA256,
            "sha512" => HashAlgorithmName.SHA512,
            "sha1" => HashAlgorithmName.SHA1,
            "md5" => HashAlgorithmName.MD5,
            _ => throw new CliException(ExitCodes.General, $"Cannot verify the checksum '{checksum}'."),
        }, checksum[(colon + 1)..]);
    }

    private static async Task<string> HashFileAsync(string path, HashAlgorithmName algorithm, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(algorithm);
        await using var stream = File.OpenRead(path);
        await HashStreamAsync(stream, hash, ct);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static async Task HashStreamAsync(Stream stream, IncrementalHash hash, CancellationToken ct)
    {
        var buffer = new byte[1 << 16];
        int read;
        while ((read = await stream.ReadAsync(buffer, ct)) > 0)
        {
            hash.AppendData(buffer, 0, read);
        }
    }
}
