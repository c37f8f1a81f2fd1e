using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Idrp.Domain.Jobs;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Idrp.Infrastructure.Storage;

namespace Idrp.Server.Jobs;

/// <summary>What one attempt of a job sees of the platform (see <see cref="IJobContext"/>).</summary>
internal sealed class JobContext : IJobContext
{
    private readonly Job _job;
    private readonly IReadOnlyList<DataAsset> _assets;
    private readonly IBlobStore _store;
    private readonly ArchiveLinks _archives;
    private readonly JobLog _log;
    private readonly IServiceScopeFactory _scopes;
    private readonly CancellationToken _cancellation;
    private readonly Lock _progressLock = new();
    private double _fraction;
    private string? _message;

    public JobContext(Job job, int attempt, IReadOnlyList<DataAsset> assets, string workDirectory, IBlobStore store, ArchiveLinks archives,
        JobLog log, IServiceScopeFactory scopes, CancellationToken cancellation)
    {
        _job = job;
        _assets = assets;
        _store = store;
        _archives = archives;
        _log = log;
        _scopes = scopes;
        _cancellation = cancellation;
        Attempt = attempt;
        WorkDirectory = workDirectory;
        Inputs = [.. assets.Select(a => new JobInputAsset(a.Id, a.DataAssetName, a.RelativePath, a.DataSize, a.MediaType, a.DataChecksum))];
    }

    public Guid JobId => _job.Id;

    public int Attempt { get; }

    public Guid TargetMeasurementId => _job.TargetMeasurementId;

    public IReadOnlyList<JobInputAsset> Inputs { get; }

    public string WorkDirectory { get; }

    public bool CancelRequested { get; set; }

    public bool LostOwnership { get; set; }

    public string? ResultJson { get; private set; }

    public (double Fraction, string? Message) Progress
    {
        get
        {
            lock (_progressLock)
            {
                return (_fraction, _message);
            }
        }
    }

    public T GetParameters<T>()
        where T : class, new() =>
        JsonSerializer.Deserialize<T>(_job.Parameters, JobParameters.Json) ?? new T();

    public async Task<Stream> OpenInputAsync(JobInputAsset input, CancellationToken cancellationToken)
    {
        var asset = _assets.FirstOrDefault(a => a.Id == input.Id) ?? throw new ArgumentException("Not an input of this job.", nameof(input));
        if (asset.Storage == StorageKind.Stored)
        {
            return await _store.OpenReadAsync(asset.BlobKey!, cancellationToken);
        }

        if (ArchiveLinks.IsArchiveLink(asset.LinkUri))
        {
            return _archives.OpenRead(asset.LinkUri!);
        }

        throw new JobFailedException($"The input '{asset.DataAssetName}' is linked to a web address; jobs read stored and archive data only.");
    }

    public async Task<string> MaterializeInputsAsync(IEnumerable<JobInputAsset> inputs, CancellationToken cancellationToken)
    {
        var root = Path.Combine(WorkDirectory, "inputs");
        Directory.CreateDirectory(root);
        foreach (var input in inputs)
        {
            // Names and paths were checked on registration (SafePath); resolving under the root keeps that promise here too.
            var target = Path.GetFullPath(Path.Combine(root, input.Path));
            if (!target.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new JobFailedException($"The input path '{input.Path}' leaves the work folder.");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            await using var source = await OpenInputAsync(input, cancellationToken);
            await using var file = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous);
            await source.CopyToAsync(file, 1 << 20, cancellationToken);
        }

        return root;
    }

    public void ReportProgress(double fraction, string? message = null)
    {
        lock (_progressLock)
        {
            _fraction = Math.Clamp(double.IsFinite(fraction) ? fraction : 0, 0, 1);
            _message = message is { Length: > 300 } ? message[..300] : message;
        }
    }

    public void Log(string message, JobLogLevel level = JobLogLevel.Info) => _log.Add(level, message);

    public Task FlushLogAsync() => _log.FlushAsync(CancellationToken.None);

    public async Task<Guid> AddOutputAsync(string name, Stream content, string? mediaType, IReadOnlyCollection<JobInputAsset> derivedFrom, string relativePath = "", CancellationToken cancellationToken = default)
    {
        if (SafePath.ProblemWithName(name) is { } nameError)
        {
            throw new JobFailedException($"Output name '{name}': {nameError}");
        }

        var folder = SafePath.NormaliseFolder(relativePath, out var pathError);
        if (pathError is not null)
        {
            throw new JobFailedException($"Output path '{relativePath}': {pathError}");
        }

        var output = new JobOutput
        {
            JobId = _job.Id,
            Attempt = Attempt,
            Name = SafePath.NormaliseName(name),
            RelativePath = folder ?? "",
            MediaType = mediaType,
            StagingKey = $"jobs/{_job.Id:N}/{Attempt}/{Guid.CreateVersion7():N}",
            Sha256 = "",
            Md5 = "",
            DerivedFrom = JsonSerializer.Serialize(derivedFrom.Select(d => d.Id).ToList()),
        };

        // Recorded before the bytes are written, so that a worker dying mid-write leaves nothing the next attempt cannot find.
        await using (var scope = _scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<IdrpDbContext>();
            db.JobOutputs.Add(output);
            await db.SaveChangesAsync(cancellationToken);
        }

        using var hashes = new ContentHashes();
        var result = await _store.AppendAsync(output.StagingKey, 0, content, long.MaxValue, hashes.AppendPipelined, durable: true, cancellationToken);

        await using (var scope = _scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<IdrpDbContext>();
            output.Size = result.Appended;
            output.Sha256 = "sha256:" + Convert.ToHexStringLower(hashes.Sha256AndReset());
            output.Md5 = Convert.ToHexStringLower(hashes.Md5AndReset());
            db.JobOutputs.Attach(output);
            db.Entry(output).Property(o => o.Size).IsModified = true;
            db.Entry(output).Property(o => o.Sha256).IsModified = true;
            db.Entry(output).Property(o => o.Md5).IsModified = true;
            await db.SaveChangesAsync(cancellationToken);
        }

        _log.Add(JobLogLevel.Info, $"Wrote {output.Name} ({result.Appended:N0} bytes).");
        return output.Id;
    }

    public void SetResult(JsonNode result) => ResultJson = result.ToJsonString();

    public List<(string Scheme, string Value, double? Confidence)> Categories { get; } = [];

    public void AddCategory(string scheme, string value, double? confidence)
    {
        CheckCategory(scheme, value, confidence);
        lock (Categories)
        {
            Categories.Add((scheme.Trim(), value.Trim(), confidence));
        }
    }

    public List<(Guid AssetId, string Scheme, string Value, double? Confidence, string? Model)> AssetCategories { get; } = [];

    public void AddCategory(JobInputAsset asset, string scheme, string value, double? confidence, string? model = null)
    {
        ArgumentNullException.ThrowIfNull(asset);
        CheckCategory(scheme, value, confidence);
        if (_assets.All(a => a.Id != asset.Id))
        {
            throw new ArgumentException("Not an input of this job.", nameof(asset));
        }

        lock (AssetCategories)
        {
            AssetCategories.Add((asset.Id, scheme.Trim(), value.Trim(), confidence, string.IsNullOrWhiteSpace(model) ? null : model.Trim()));
        }
    }

    private static void CheckCategory(string scheme, string value, double? confidence)
    {
        if (string.IsNullOrWhiteSpace(scheme) || string.IsNullOrWhiteSpace(value) || confidence is < 0 or > 1)
        {
            throw new JobFailedException($"A category needs a scheme, a value and a confidence between 0 and 1 (got '{scheme}', '{value}', {confidence}).");
        }
    }
}

/// <summary>A job's log: lines are buffered and written with the heartbeat, and at once for important ones.</summary>
internal sealed class JobLog(IServiceScopeFactory scopes, Guid jobId, int attempt, TimeProvider clock)
{
    private const int MaxLines = 10_000;
    private readonly ConcurrentQueue<JobLogEntry> _pending = new();
    private int _written;

    public void Add(JobLogLevel level, string message)
    {
        if (Interlocked.Increment(ref _written) > MaxLines)
        {
            return; // a runaway job must not fill the database; the count stays visible in the last line
        }

        _pending.Enqueue(new JobLogEntry
        {
            JobId = jobId,
            Attempt = attempt,
            At = clock.GetUtcNow(),
            Level = level,
            Message = message.Length > 4000 ? message[..4000] : message,
        });
    }

    public async Task WriteAsync(JobLogLevel level, string message, CancellationToken cancellationToken)
    {
        Add(level, message);
        await FlushAsync(cancellationToken);
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_pending.IsEmpty)
        {
            return;
        }

        var batch = new List<JobLogEntry>();
        while (_pending.TryDequeue(out var entry))
        {
            // Ids (the log's order and paging cursor) are given as lines are written, so that a reader paging with
            // `after` never misses a line buffered before one the API wrote directly.
            entry.Id = Guid.CreateVersion7();
            batch.Add(entry);
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdrpDbContext>();
        db.JobLog.AddRange(batch);
        await db.SaveChangesAsync(cancellationToken);
    }
}
