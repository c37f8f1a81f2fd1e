using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Nodes;
using Idrp.Domain.Jobs;
using Idrp.Infrastructure.Persistence;
using Idrp.Infrastructure.Persistence.Configurations;
using Idrp.Server.Api;
using Idrp.Server.Jobs;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Idrp.Server.Features.Jobs;

public sealed record JobTypeResponse(string Name, string Version, string Description, string Inputs, JsonNode ParametersSchema);

public sealed record JobOutputResponse(Guid AssetId, string Name, string RelativePath);

public sealed record JobResponse(
    Guid Id, string Type, string TypeVersion, JobState State, double Progress, string? ProgressMessage,
    int Attempts, int MaxAttempts, bool CancelRequested, Guid OwnerId, Guid ProposalId, Guid MeasurementId,
    IReadOnlyList<Guid> Inputs, JsonElement Parameters, JsonElement? Result, string? Error, string? Worker,
    IReadOnlyList<JobOutputResponse> Outputs,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, DateTimeOffset? HeartbeatAt);

public sealed record JobLogLine(Guid Id, int Attempt, DateTimeOffset At, JobLogLevel Level, string Message) : Domain.Model.IHasId;

/// <summary>A job to run: the type, the measurement its outputs go into, the inputs (default: all of the measurement's data) and parameters.</summary>
public sealed record SubmitJobRequest(
    [property: Required, StringLength(Limits.Code, MinimumLength = 1)] string Type,
    [property: Required] Guid? MeasurementId,
    [property: MaxLength(100_000)] IReadOnlyList<Guid>? Inputs,
    JsonElement? Parameters);

/// <summary>Analysis jobs: submit, follow, cancel and retry; their outputs and provenance appear as data assets and derivations.</summary>
internal static class JobsApi
{
    public static RouteGroupBuilder MapJobs(this RouteGroupBuilder api)
    {
        api.MapGet("/job-types", ListTypes).WithTags("Jobs").WithName("ListJobTypes").WithSummary("The job types this platform runs, with the JSON schema of their parameters.");
        var group = api.MapGroup("/jobs").WithTags("Jobs");
        group.MapPost("/", Submit).WithName("SubmitJob")
            .WithSummary("Submit a job (members of the target measurement's proposal who may read every input). Answers 202 with the queued job.");
        group.MapGet("/", List).WithName("ListJobs").WithSummary("Jobs you submitted and jobs of proposals you are a member of, oldest first.");
        group.MapGet("/{id:guid}", Get).WithName("GetJob").WithSummary("One job: state, progress, attempts, result and outputs.");
        group.MapGet("/{id:guid}/log", Log).WithName("GetJobLog").WithSummary("The job's log, oldest line first.");
        group.MapPost("/{id:guid}/cancel", Cancel).WithName("CancelJob").WithSummary("Cancel a queued or running job (its owner, or the proposal's managers).");
        group.MapPost("/{id:guid}/retry", Retry).WithName("RetryJob").WithSummary("Run a failed or cancelled job again (its owner, or the proposal's managers).");
        return group;
    }

    private static Ok<List<JobTypeResponse>> ListTypes(JobTypeRegistry types) =>
        TypedResults.Ok(types.All.OrderBy(t => t.Name, StringComparer.Ordinal)
            .Select(t => new JobTypeResponse(t.Name, t.Version, t.Description, JsonNamingPolicy.CamelCase.ConvertName(t.Inputs.ToString()), JobTypeRegistry.Schema(t)))
            .ToList());

    private static async Task<Results<Accepted<JobResponse>, ProblemHttpResult>> Submit(
        SubmitJobRequest request, JobService jobs, IdrpDbContext db, CancellationToken ct)
    {
        var outcome = await jobs.SubmitAsync(new JobSubmission(request.Type, request.MeasurementId!.Value, request.Inputs, request.Parameters), ct);
        if (outcome.Problem is { } problem)
        {
            return problem;
        }

        return TypedResults.Accepted($"/api/v1/jobs/{outcome.Job!.Id}", await ToResponseAsync(db, outcome.Job, ct));
    }

    private static async Task<Results<Ok<Page<JobResponse>>, ProblemHttpResult>> List(
        [AsParameters] PageQuery page, string? state, string? type, Guid? measurementId, bool? mine,
        JobService jobs, Access.AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        var query = jobs.Visible().Include(j => j.Inputs).AsQueryable();
        if (state is not null)
        {
            // As the JSON spells it ("succeeded"); any case.
            if (!Enum.TryParse<JobState>(state, ignoreCase: true, out var s) || !Enum.IsDefined(s))
            {
                return Problems.Invalid("state", $"'{state}' is not a job state: queued, running, succeeded, failed or cancelled.");
            }

            query = query.Where(j => j.State == s);
        }

        if (type is not null)
        {
            query = query.Where(j => j.Type == type);
        }

        if (measurementId is { } m)
        {
            query = query.Where(j => j.TargetMeasurementId == m);
        }

        if (mine == true)
        {
            query = query.Where(j => j.OwnerId == access.Actor.PersonId);
        }

        var result = await query.ToPageAsync(page, j => j, ct);
        var outputs = await OutputsAsync(db, result.Items.Select(j => j.Id).ToList(), ct);
        return TypedResults.Ok(new Page<JobResponse>(result.Items.Select(j => ToResponse(j, outputs)).ToList(), result.Next));
    }

    private static async Task<Results<Ok<JobResponse>, ProblemHttpResult>> Get(Guid id, JobService jobs, IdrpDbContext db, CancellationToken ct)
    {
        var job = await jobs.Visible().AsNoTracking().Include(j => j.Inputs).FirstOrDefaultAsync(j => j.Id == id, ct);
        return job is null ? Problems.NotFound("job", id) : TypedResults.Ok(await ToResponseAsync(db, job, ct));
    }

    private static async Task<Results<Ok<Page<JobLogLine>>, ProblemHttpResult>> Log(
        Guid id, [AsParameters] PageQuery page, JobService jobs, IdrpDbContext db, CancellationToken ct)
    {
        if (!await jobs.Visible().AnyAsync(j => j.Id == id, ct))
        {
            return Problems.NotFound("job", id);
        }

        var lines = await db.JobLog.Where(l => l.JobId == id).ToPageAsync(page, l => new JobLogLine(l.Id, l.Attempt, l.At, l.Level, l.Message), ct);
        return TypedResults.Ok(lines);
    }

    private static async Task<Results<Accepted<JobResponse>, ProblemHttpResult>> Cancel(Guid id, JobService jobs, IdrpDbContext db, CancellationToken ct)
    {
        var outcome = await jobs.CancelAsync(id, ct);
        return outcome.Problem is { } problem ? problem : TypedResults.Accepted($"/api/v1/jobs/{id}", await ToResponseAsync(db, outcome.Job!, ct));
    }

    private static async Task<Results<Accepted<JobResponse>, ProblemHttpResult>> Retry(Guid id, JobService jobs, IdrpDbContext db, CancellationToken ct)
    {
        var outcome = await jobs.RetryAsync(id, ct);
        return outcome.Problem is { } problem ? problem : TypedResults.Accepted($"/api/v1/jobs/{id}", await ToResponseAsync(db, outcome.Job!, ct));
    }

    private static async Task<Dictionary<Guid, List<JobOutputResponse>>> OutputsAsync(IdrpDbContext db, List<Guid> jobIds, CancellationToken ct)
    {
        var rows = await db.Derivations.AsNoTracking()
            .Where(d => d.JobId != null && jobIds.Contains(d.JobId.Value) && d.OutputAssetId != null)
            .Join(db.DataAssets, d => d.OutputAssetId, a => a.Id, (d, a) => new { JobId = d.JobId!.Value, a.Id, a.DataAssetName, a.RelativePath })
            .ToListAsync(ct);
        return rows.GroupBy(r => r.JobId).ToDictionary(
            g => g.Key,
            g => g.OrderBy(r => r.RelativePath, StringComparer.Ordinal).ThenBy(r => r.DataAssetName, StringComparer.Ordinal)
                .Select(r => new JobOutputResponse(r.Id, r.DataAssetName, r.RelativePath)).ToList());
    }

    internal static async Task<JobResponse> ToResponseAsync(IdrpDbContext db, Job job, CancellationToken ct) =>
        ToResponse(job, await OutputsAsync(db, [job.Id], ct));

    private static JobResponse ToResponse(Job j, Dictionary<Guid, List<JobOutputResponse>> outputs) => new(
        j.Id, j.Type, j.TypeVersion, j.State, j.Progress, j.ProgressMessage, j.Attempts, j.MaxAttempts, j.CancelRequested,
        j.OwnerId, j.ProposalId, j.TargetMeasurementId, j.Inputs.Select(i => i.AssetId).Order().ToList(),
        JsonDocument.Parse(j.Parameters).RootElement.Clone(),
        j.Result is null ? null : JsonDocument.Parse(j.Result).RootElement.Clone(),
        j.Error, j.Worker, outputs.GetValueOrDefault(j.Id) ?? [],
        j.CreatedAt, j.StartedAt, j.FinishedAt, j.HeartbeatAt);
}
