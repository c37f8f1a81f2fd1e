using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Idrp.Cli.Api;

namespace Idrp.Cli.Ingest;

/// <summary>One file found in the folder: its path on disk and its place in the measurement.</summary>
internal sealed record LocalFile(string FullPath, string RelativePath, string Name)
{
    /// <summary>The key the measurement's assets are matched by: folder and name as the server stores them (NFC, '/').</summary>
    public string Key => Ingester.Key(RelativePath, Name);
}

/// <summary>
/// Brings one folder's files into one measurement: each file is skipped when the measurement already has
/// it complete with the same SHA-256, otherwise registered and uploaded (or, with a link base, registered in place).
/// </summary>
internal sealed class Ingester(IdrpApi api, Guid measurementId, IngestState state, TusUploader uploader, IngestReporter reporter, string? linkBase)
{
    private Dictionary<string, JsonObject> _existing = new(StringComparer.Ordinal);

    public static string Key(string relativePath, string name) =>
        (relativePath.Length == 0 ? name : relativePath.Replace('\\', '/').TrimEnd('/') + "/" + name).Normalize(NormalizationForm.FormC);

    public static List<LocalFile> Walk(string folder)
    {
        var root = Path.GetFullPath(folder);
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = false, AttributesToSkip = FileAttributes.ReparsePoint, ReturnSpecialDirectories = false };
        var files = new List<LocalFile>();
        foreach (var path in Directory.EnumerateFiles(root, "*", options))
        {
            var directory = Path.GetRelativePath(root, Path.GetDirectoryName(path)!);
            var relative = directory == "." ? "" : directory.Replace(Path.DirectorySeparatorChar, '/');
            files.Add(new LocalFile(path, relative, Path.GetFileName(path)));
        }

        files.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return files;
    }

    /// <summary>Reads the measurement's assets; call it again to see changes (<c>idrp watch</c> does, before each batch).</summary>
    public async Task LoadExistingAsync(CancellationToken ct)
    {
        var existing = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        await foreach (var asset in api.ListAsync($"api/v1/data-assets?measurementId={measurementId}", ct))
        {
            existing[Key(asset.Str("relativePath"), asset.Str("dataAssetName"))] = asset;
        }

        _existing = existing;
    }

    public async Task<IngestOutcome> IngestAsync(LocalFile file, CancellationToken ct)
    {
        var outcome = (await GuardAsync(file, async () => await IngestCoreAsync(file, ct)))!;
        reporter.Finished(outcome);
        return outcome;
    }

    private async Task<IngestOutcome> IngestCoreAsync(LocalFile file, CancellationToken ct)
    {
        var info = new FileInfo(file.FullPath);
        var size = info.Length;
        var modified = info.LastWriteTimeUtc.Ticks;

        // A file that fits in one chunk is read once: its bytes are hashed and, unless skipped, sent in one request.
        byte[]? whole = null;
        try
        {
            if (linkBase is null && size <= uploader.ChunkSize)
            {
                whole = ArrayPool<byte>.Shared.Rent((int)Math.Max(size, 1));
                await using var stream = new FileStream(file.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous);
                if (await stream.ReadAtLeastAsync(whole.AsMemory(0, (int)size), (int)size, throwOnEndOfStream: false, ct) != size || stream.ReadByte() != -1)
                {
                    throw new CliException(ExitCodes.General, "the file changed while it was read; ingest it again once it is complete");
                }
            }

            // Typed null: a bare null would convert to Memory<byte> through its array conversion, an empty file's bytes.
            return await IngestCoreAsync(file, size, modified, whole is null ? (ReadOnlyMemory<byte>?)null : whole.AsMemory(0, (int)size), ct);
        }
        finally
        {
            if (whole is not null)
            {
                ArrayPool<byte>.Shared.Return(whole);
            }
        }
    }

    /// <summary>
    /// Small files, many to a request. A file the measurement has, or an earlier run saw, is hashed first (or its hash
    /// taken from that run's state) and checked against the measurement's assets; a new one is hashed while the batch
    /// is sent, so it is read once. The server checks every file against its digest. A file the server finds too
    /// large for a batch goes by tus instead.
    /// </summary>
    public async Task<IReadOnlyList<IngestOutcome>> IngestBatchAsync(IReadOnlyList<LocalFile> files, BatchUploader batches, CancellationToken ct)
    {
        var outcomes = new List<IngestOutcome>();
        var entries = new List<BatchEntry>();
        foreach (var file in files)
        {
            var decided = await GuardAsync(file, async () =>
            {
                var info = new FileInfo(file.FullPath);
                if (!_existing.ContainsKey(file.Key) && Unchanged(file, info.Length, info.LastWriteTimeUtc.Ticks) is null)
                {
                    entries.Add(new BatchEntry(file, info.Length, Sha256Hex: null) { Modified = info.LastWriteTimeUtc.Ticks });
                    return null;
                }

                var remembered = await RememberAsync(file, info.Length, info.LastWriteTimeUtc.Ticks, whole: null, ct);
                if (Existing(file, "sha256:" + remembered.Sha256) is { } outcome)
                {
                    return outcome;
                }

                entries.Add(new BatchEntry(file, info.Length, remembered.Sha256));
                return null;
            });
            if (decided is not null)
            {
                reporter.Finished(decided);
                outcomes.Add(decided);
            }
        }

        if (entries.Count == 0)
        {
            return outcomes;
        }

        var progress = reporter.UploadingBatch(entries.Count, entries.Sum(e => e.Size));
        IReadOnlyList<BatchItemResult> results;
        try
        {
            results = await batches.SendAsync(measurementId, entries, ct);
        }
        catch (CliException e)
        {
            foreach (var entry in entries)
            {
                var failed = new IngestOutcome(entry.File.Key, IngestStatus.Failed, null, e.Message, e.ExitCode);
                reporter.Finished(failed);
                outcomes.Add(failed);
            }

            return outcomes;
        }

        progress.Report(entries.Sum(e => e.Size));
        foreach (var (entry, result) in entries.Zip(results))
        {
            if (result.ErrorCode == "too-large")
            {
                outcomes.Add(await IngestAsync(entry.File, ct));
                continue;
            }

            var outcome = result.Status switch
            {
                "stored" => new IngestOutcome(entry.File.Key, IngestStatus.Uploaded, result.AssetId),
                "skipped" => new IngestOutcome(entry.File.Key, IngestStatus.Skipped, result.AssetId),
                _ => new IngestOutcome(entry.File.Key, IngestStatus.Failed, result.AssetId,
                    result.ErrorCode == "checksum-mismatch" ? "the file changed while it was read; ingest it again once it is complete (" + result.Error + ")" : result.Error,
                    result.ErrorCode == "conflict" ? ExitCodes.Conflict : ExitCodes.General),
            };
            if (outcome.Status is IngestStatus.Uploaded or IngestStatus.Skipped && entry.Sha256Hex is null && entry.SentSha256Hex is { } sent)
            {
                // Hashed on the way: remembered now, with the size and time it was listed with.
                state.Set(entry.File.Key, new IngestFileState(entry.Size, entry.Modified, sent, result.AssetId, null));
            }
            else if (outcome.Status == IngestStatus.Uploaded)
            {
                state.Set(entry.File.Key, state.Get(entry.File.Key)! with { AssetId = result.AssetId });
            }

            reporter.Finished(outcome);
            outcomes.Add(outcome);
        }

        return outcomes;
    }

    /// <summary>Runs one file's step; the file's own failures (read errors, refusals) become its outcome, not the run's end.</summary>
    private static async Task<IngestOutcome?> GuardAsync(LocalFile file, Func<Task<IngestOutcome?>> step)
    {
        try
        {
            return await step();
        }
        catch (CliException e)
        {
            return new IngestOutcome(file.Key, IngestStatus.Failed, null, e.Message, e.ExitCode);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new IngestOutcome(file.Key, IngestStatus.Failed, null, e.Message.ReplaceLineEndings(" "), ExitCodes.General);
        }
    }

    /// <summary>The state of an earlier run for this file, if it is still about the same bytes (size and time unchanged).</summary>
    private IngestFileState? Unchanged(LocalFile file, long size, long modified) =>
        state.Get(file.Key) is { } remembered && remembered.Size == size && remembered.ModifiedTicks == modified ? remembered : null;

    /// <summary>The file's SHA-256: from the state of an earlier run when size and time are unchanged, else read now.</summary>
    private async Task<IngestFileState> RememberAsync(LocalFile file, long size, long modified, ReadOnlyMemory<byte>? whole, CancellationToken ct)
    {
        var remembered = Unchanged(file, size, modified);
        if (remembered is null || remembered.Sha256.Length == 0)
        {
            var sha256 = whole is { } bytes ? Convert.ToHexStringLower(SHA256.HashData(bytes.Span)) : await Sha256Async(file.FullPath, ct);
            // An upload begun without the file's hash (see SendNewAsync) keeps its asset and upload, to resume them.
            remembered = remembered is null ? new IngestFileState(size, modified, sha256, null, null) : remembered with { Sha256 = sha256 };
            state.Set(file.Key, remembered);
        }

        return remembered;
    }

    /// <summary>Skipped when the measurement has the file complete with this checksum; failed when it has it otherwise; null to go on.</summary>
    private IngestOutcome? Existing(LocalFile file, string checksum)
    {
        if (_existing.GetValueOrDefault(file.Key) is not { } asset)
        {
            return null;
        }

        var theirs = asset.Str("dataChecksum");
        var complete = asset.Str("state") == "complete";
        if (complete && theirs == checksum)
        {
            return new IngestOutcome(file.Key, IngestStatus.Skipped, asset.Id());
        }

        if (complete || (theirs.Length > 0 && theirs != checksum) || asset.Str("storage") != (linkBase is null ? "stored" : "linked"))
        {
            return new IngestOutcome(file.Key, IngestStatus.Failed, asset.Id(),
                $"the measurement already has this file as a {asset.Str("state")} {asset.Str("storage")} asset with {(theirs.Length == 0 ? "no checksum" : theirs)}, not {checksum}; delete it or rename the file",
                ExitCodes.Conflict);
        }

        return null;
    }

    private async Task<IngestOutcome> IngestCoreAsync(LocalFile file, long size, long modified, ReadOnlyMemory<byte>? whole, CancellationToken ct)
    {
        if (whole is null && linkBase is null && !_existing.ContainsKey(file.Key) && Unchanged(file, size, modified) is null)
        {
            return await SendNewAsync(file, size, modified, ct);
        }

        var remembered = await RememberAsync(file, size, modified, whole, ct);
        var checksum = "sha256:" + remembered.Sha256;
        if (Existing(file, checksum) is { } decided)
        {
            return decided;
        }

        var asset = _existing.GetValueOrDefault(file.Key);
        if (linkBase is not null)
        {
            asset = await api.PostAsync("api/v1/data-assets", new
            {
                measurementId,
                dataAssetName = file.Name,
                relativePath = file.RelativePath,
                dataSize = size,
                dataChecksum = checksum,
                storage = "linked",
                linkUri = linkBase.TrimEnd('/') + "/" + string.Join('/', file.Key.Split('/').Select(Uri.EscapeDataString)),
            }, ct);
            return new IngestOutcome(file.Key, IngestStatus.Linked, asset.Id());
        }

        asset ??= await api.PostAsync("api/v1/data-assets", new { measurementId, dataAssetName = file.Name, relativePath = file.RelativePath, dataSize = size, dataChecksum = checksum }, ct);
        var assetId = asset.Id();

        // The server checks the bytes against the checksum the asset was registered with; when that is ours, a
        // completed upload is a verified one and needs no second look.
        var verified = false;
        long? offset = null;
        var url = remembered.AssetId == assetId ? remembered.UploadUrl : null;
        if (whole is { } data && url is null)
        {
            var progress = reporter.Uploading(file.Key, size, 0);
            verified = await uploader.UploadWholeAsync(assetId, data, ct) && asset.Str("dataChecksum") == checksum;
            progress.Report(size);
            offset = 0;
        }
        else
        {
            // Resume the upload a killed run left, if the server still has it for this asset.
            if (url is not null)
            {
                offset = await uploader.OffsetAsync(url, ct);
            }

            if (offset is null)
            {
                url = await uploader.CreateAsync(assetId, size, ct);
                offset = 0;
            }

            state.Set(file.Key, remembered with { AssetId = assetId, UploadUrl = url });
            var progress = reporter.Uploading(file.Key, size, offset.Value);
            await uploader.SendAsync(url!, file.FullPath, size, offset.Value, remembered.Sha256, progress, ct);
            verified = asset.Str("dataChecksum") == checksum;
            state.Set(file.Key, remembered with { AssetId = assetId, UploadUrl = null });
        }

        if (!verified)
        {
            var record = await api.GetAsync($"api/v1/data-assets/{assetId}", ct);
            if (record.Str("state") != "complete" || record.Str("dataChecksum") != checksum)
            {
                throw new CliException(ExitCodes.Conflict, $"the server did not complete the asset (state {record.Str("state")}, checksum {record.Str("dataChecksum")}); run ingest again");
            }
        }

        return new IngestOutcome(file.Key, offset > 0 ? IngestStatus.Resumed : IngestStatus.Uploaded, assetId);
    }

    /// <summary>
    /// A file of more than one chunk that the measurement does not have and no earlier run hashed: it is registered
    /// with its size alone and hashed while it is sent, so reading it costs one pass, not two; the last chunk declares
    /// its SHA-256 (Repr-Digest), which the server checks every byte against before it completes the asset. A run
    /// killed meanwhile leaves an asset without a checksum, which the next run hashes first, then resumes.
    /// </summary>
    private async Task<IngestOutcome> SendNewAsync(LocalFile file, long size, long modified, CancellationToken ct)
    {
        var asset = await api.PostAsync("api/v1/data-assets", new { measurementId, dataAssetName = file.Name, relativePath = file.RelativePath, dataSize = size }, ct);
        var assetId = asset.Id();
        var url = await uploader.CreateAsync(assetId, size, ct);
        state.Set(file.Key, new IngestFileState(size, modified, Sha256: "", assetId, url));
        var progress = reporter.Uploading(file.Key, size, 0);
        var sha256 = await uploader.SendAsync(url, file.FullPath, size, 0, sha256Hex: null, progress, ct);
        state.Set(file.Key, new IngestFileState(size, modified, sha256, assetId, null));
        var record = await api.GetAsync($"api/v1/data-assets/{assetId}", ct);
        if (record.Str("state") != "complete" || record.Str("dataChecksum") != "sha256:" + sha256)
        {
            throw new CliException(ExitCodes.Conflict, $"the server did not complete the asset (state {record.Str("state")}, checksum {record.Str("dataChecksum")}); run ingest again");
        }

        return new IngestOutcome(file.Key, IngestStatus.Uploaded, assetId);
    }

    private static async Task<string> Sha256Async(string path, CancellationToken ct)
    {
        // Unbuffered reads into a pooled buffer: a stream buffer of 1 MiB would be allocated afresh for every file,
        // and HashDataAsync's own reads are a few KiB each.
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, ct)) > 0)
            {
                sha256.AppendData(buffer, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return Convert.ToHexStringLower(sha256.GetHashAndReset());
    }
}
