using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Idrp.Domain.Access;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Idrp.Infrastructure.Persistence.Configurations;
using Idrp.Server.Access;
using Idrp.Server.Api;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Idrp.Server.Features.Experiments;

public sealed record ExperimentResponse(
    Guid Id, Guid ProposalId, string Name, string? Description, Guid? FacilityId, Guid? InstrumentId,
    DateOnly? StartDate, DateOnly? EndDate, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, long Version);

public record ExperimentUpdate(
    [property: Required, StringLength(Limits.Name, MinimumLength = 1)] string Name,
    [property: StringLength(Limits.Text)] string? Description = null,
    Guid? FacilityId = null,
    Guid? InstrumentId = null,
    DateOnly? StartDate = null,
    DateOnly? EndDate = null) : IValidatableObject
{
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (StartDate > EndDate)
        {
            yield return new ValidationResult("The end date is before the start date.", [nameof(EndDate)]);
        }
    }
}

public sealed record CreateExperimentRequest(
    Guid ProposalId, string Name, string? Description = null, Guid? FacilityId = null, Guid? InstrumentId = null,
    DateOnly? StartDate = null, DateOnly? EndDate = null)
    : ExperimentUpdate(Name, Description, FacilityId, InstrumentId, StartDate, EndDate);

internal static class ExperimentMapping
{
    public static ExperimentResponse ToResponse(this Experiment e) =>
        new(e.Id, e.ProposalId, e.Name, e.Description, e.FacilityId, e.InstrumentId, e.StartDate, e.EndDate, e.CreatedAt, e.UpdatedAt, e.Version);

    public static ExperimentUpdate ToUpdate(this Experiment e) => new(e.Name, e.Description, e.FacilityId, e.InstrumentId, e.StartDate, e.EndDate);

    public static void Apply(this Experiment e, ExperimentUpdate u)
    {
        e.Name = u.Name.Trim();
        e.Description = u.Description;
        e.FacilityId = u.FacilityId;
        e.InstrumentId = u.InstrumentId;
        e.StartDate = u.StartDate;
        e.EndDate = u.EndDate;
    }
}

/// <summary>Experiments of a proposal.</summary>
internal static class ExperimentsApi
{
    public static RouteGroupBuilder MapExperiments(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/experiments").WithTags("Experiments");
        group.MapGet("/", ListExperiments).AllowAnonymous().WithName("ListExperiments").WithSummary("Experiments you may see, optionally of one proposal.");
        group.MapGet("/{id:guid}", GetExperiment).AllowAnonymous().WithName("GetExperiment").WithSummary("One experiment.");
        group.MapPost("/", CreateExperiment).WithName("CreateExperiment").WithSummary("Create an experiment in a proposal (members).");
        group.MapPut("/{id:guid}", ReplaceExperiment).WithName("ReplaceExperiment").WithSummary("Replace an experiment's fields (members).");
        group.MapPatch("/{id:guid}", PatchExperiment).WithName("PatchExperiment").WithSummary("Change some fields of an experiment (JSON merge patch).")
            .Accepts<JsonElement>(MergePatch.MediaType);
        group.MapDelete("/{id:guid}", DeleteExperiment).WithName("DeleteExperiment").WithSummary("Delete an experiment without measurements (PI, facility staff or admin).");
        return group;
    }

    internal static IQueryable<Experiment> Readable(IdrpDbContext db, AccessService access) =>
        db.Experiments.Where(access.Rules.CanReadExperiment());

    private static async Task<Ok<Page<ExperimentResponse>>> ListExperiments(
        [AsParameters] PageQuery page, Guid? proposalId, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        var query = Readable(db, access);
        if (proposalId is { } pid)
        {
            query = query.Where(e => e.ProposalId == pid);
        }

        return TypedResults.Ok(await query.ToPageAsync(page, e => e.ToResponse(), ct));
    }

    private static Task<Results<Ok<ExperimentResponse>, ProblemHttpResult, StatusCodeHttpResult>> GetExperiment(
        Guid id, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        RecordFlows.GetAsync(Readable(db, access), id, "experiment", e => e.ToResponse(), http, ct);

    private static async Task<Results<Created<ExperimentResponse>, ProblemHttpResult>> CreateExperiment(
        CreateExperimentRequest request, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        var outcome = await ExperimentWrites.CreateAsync(request, access, db, ct);
        if (outcome.Problem is { } problem)
        {
            return problem;
        }

        var experiment = outcome.Value!;
        ETags.Set(http, experiment.Version);
        return TypedResults.Created($"/api/v1/experiments/{experiment.Id}", experiment.ToResponse());
    }

    private static Task<Results<Ok<ExperimentResponse>, ProblemHttpResult>> ReplaceExperiment(
        Guid id, ExperimentUpdate update, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        Edit(id, _ => update, http, access, db, ct);

    private static Task<Results<Ok<ExperimentResponse>, ProblemHttpResult>> PatchExperiment(
        Guid id, JsonElement patch, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        Edit(id, e => Edits.Patch(e.ToUpdate(), patch, http), http, access, db, ct);

    private static async Task<Results<Ok<ExperimentResponse>, ProblemHttpResult>> Edit(
        Guid id, Func<Experiment, ExperimentUpdate> makeUpdate, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        var outcome = await ExperimentWrites.EditAsync(id, version => ETags.IfMatchAllows(http, version), makeUpdate, access, db, ct);
        if (outcome.Problem is { } problem)
        {
            return problem;
        }

        ETags.Set(http, outcome.Value!.Version);
        return TypedResults.Ok(outcome.Value.ToResponse());
    }

    private static Task<Results<NoContent, ProblemHttpResult>> DeleteExperiment(
        Guid id, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        RecordFlows.DeleteAsync(
            Readable(db, access), id, "experiment",
            e => access.DenyUnlessAsync(e.ProposalId, ProposalAccess.Manager, "delete experiments", ct),
            async e => await db.Measurements.AnyAsync(m => m.ExperimentId == e.Id, ct)
                ? "The experiment still has measurements; delete those first."
                : null,
            http, db, ct);
}
