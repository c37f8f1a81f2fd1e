using System.Text.Json;
using System.Text.Json.Nodes;

namespace Idrp.Domain.Jobs;

/// <summary>
/// What an analysis service implements to run as a job: a name and version, a parameter type (its JSON schema is
/// what submissions are validated against) and the work itself. Inputs come in and progress and outputs go out through
/// <see cref="IJobContext"/>; the frame does the rest (dispatch, access checks, retries, provenance). Register one
/// with <c>services.AddJobType&lt;T&gt;()</c>; nothing in the frame changes.
/// </summary>
public interface IJobType
{
    /// <summary>Lower-case, dotted, stable: "fixity", "thumbnails", "kmap.convert".</summary>
    string Name { get; }

    /// <summary>Bumped when outputs for the same inputs and parameters would differ; recorded in every derivation.</summary>
    string Version { get; }

    /// <summary>One sentence for the catalogue of job types.</summary>
    string Description { get; }

    /// <summary>The parameters' type: a class whose public properties (with data annotations) are the parameters.</summary>
    Type ParametersType { get; }

    /// <summary>Which inputs the type takes: all of the target measurement's complete assets, or the ones named.</summary>
    JobInputs Inputs { get; }

    /// <summary>Does the work. Throw <see cref="JobFailedException"/> for a failure the user should read as such.</summary>
    Task RunAsync(IJobContext context, CancellationToken cancellationToken);
}

/// <summary>How a job type takes its inputs.</summary>
public enum JobInputs
{
    /// <summary>The submitter names one or more data assets (default: every complete asset of the target measurement).</summary>
    Assets,

    /// <summary>The type works on the target measurement as a whole and takes no named inputs (fixity).</summary>
    Measurement,
}

/// <summary>Base class that hands the parameters over already deserialized and validated.</summary>
public abstract class JobType<TParameters> : IJobType
    where TParameters : class, new()
{
    public abstract string Name { get; }

    public abstract string Version { get; }

    public abstract string Description { get; }

    public Type ParametersType => typeof(TParameters);

    public virtual JobInputs Inputs => JobInputs.Assets;

    public Task RunAsync(IJobContext context, CancellationToken cancellationToken) =>
        RunAsync(context, context.GetParameters<TParameters>(), cancellationToken);

    protected abstract Task RunAsync(IJobContext context, TParameters parameters, CancellationToken cancellationToken);
}

/// <summary>A job type's empty parameter set.</summary>
public sealed class NoParameters;

/// <summary>One input of a running job.</summary>
public sealed record JobInputAsset(Guid Id, string Name, string RelativePath, long? Size, string? MediaType, string? Checksum)
{
    /// <summary>The path of the file inside its measurement: "folder/name".</summary>
    public string Path => RelativePath.Length == 0 ? Name : RelativePath + "/" + Name;
}

/// <summary>What a running job sees of the platform.</summary>
public interface IJobContext
{
    Guid JobId { get; }

    /// <summary>1 for the first attempt; higher after a worker died or a retry.</summary>
    int Attempt { get; }

    Guid TargetMeasurementId { get; }

    IReadOnlyList<JobInputAsset> Inputs { get; }

    /// <summary>A private scratch folder, removed when the attempt ends.</summary>
    string WorkDirectory { get; }

    T GetParameters<T>()
        where T : class, new();

    /// <summary>Streams an input's bytes (stored or linked), without copying it.</summary>
    Task<Stream> OpenInputAsync(JobInputAsset input, CancellationToken cancellationToken);

    /// <summary>
    /// Copies the inputs into the work directory under their paths in the measurement (so that files that refer to
    /// each other, such as an HDF5 master file and its external links, still find each other) and returns the folder.
    /// </summary>
    Task<string> MaterializeInputsAsync(IEnumerable<JobInputAsset> inputs, CancellationToken cancellationToken);

    /// <summary>Reports progress (0..1) and what is happening; cheap to call often (written at most twice a second).</summary>
    void ReportProgress(double fraction, string? message = null);

    void Log(string message, JobLogLevel level = JobLogLevel.Info);

    /// <summary>
    /// Writes an output file into the target measurement. It is checksummed while written and becomes a data asset,
    /// with a derivation from <paramref name="derivedFrom"/>, only if the attempt succeeds.
    /// </summary>
    Task<Guid> AddOutputAsync(string name, Stream content, string? mediaType, IReadOnlyCollection<JobInputAsset> derivedFrom, string relativePath = "", CancellationToken cancellationToken = default);

    /// <summary>Sets the job's JSON result (a summary the user reads on the job's page), replacing an earlier one.</summary>
    void SetResult(JsonNode result);

    /// <summary>
    /// Results that are metadata (a classifier's category): tags the target measurement with <paramref name="value"/> in
    /// <paramref name="scheme"/>, with source "model:&lt;type&gt;@&lt;version&gt;" and the confidence, when the attempt succeeds.
    /// It replaces the tags this job type gave in the same scheme before; people's tags stay.
    /// </summary>
    void AddCategory(string scheme, string value, double? confidence);

    /// <summary>
    /// Per-file results that are metadata (an image's category): tags the data asset <paramref name="asset"/> with
    /// <paramref name="value"/> in <paramref name="scheme"/> when the attempt succeeds, with source "model:&lt;model&gt;"
    /// (e.g. "idrp-sem-features@20261124T…"; default: the job type and version) and the confidence. It replaces the
    /// asset's earlier model tags in that scheme; a person's confirmation stays and keeps counting over it.
    /// </summary>
    void AddCategory(JobInputAsset asset, string scheme, string value, double? confidence, string? model = null);
}

/// <summary>A job's own failure: the message is for the user, no stack trace is stored.</summary>
public sealed class JobFailedException(string message) : Exception(message);

/// <summary>Helpers for job parameters.</summary>
public static class JobParameters
{
    /// <summary>How parameters are read: camelCase, unknown members and missing required ones refused.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        // Set explicitly: exporting a schema needs a resolver even before the options have been used to read anything.
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false) },
    };
}
