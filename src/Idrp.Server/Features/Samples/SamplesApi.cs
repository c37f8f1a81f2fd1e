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

namespace Idrp.Server.Features.Samples;

public sealed record SampleResponse(
    Guid Id, Guid ProposalId, string Name, string? Description, string? Composition, string? Preparation,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, long Version);

public record SampleUpdate(
    [property: Required, StringLength(Limits.Name, MinimumLength = 1)] string Name,
    [property: StringLength(Limits.Text)] string? Description = null,
    [property: StringLength(Limits.Name)] string? Composition = null,
    [property: StringLength(Limits.Text)] string? Preparation = null);

public sealed record CreateSampleRequest(Guid ProposalId, string Name, string? Description = null, string? Composition = null, string? Preparation = null)
    : SampleUpdate(Name, Description, Composition, Preparation);

internal static class SampleMapping
{
    public static SampleResponse ToResponse(this Sample s) =>
        new(s.Id, s.ProposalId, s.Name, s.Description, s.Composition, s.Preparation, s.CreatedAt, s.UpdatedAt, s.Version);

    public static SampleUpdate ToUpdate(this Sample s) => new(s.Name, s.Description, s.Composition, s.Preparation);

    public static void Apply(this Sample s, SampleUpdate u)
    {
        s.Name = u.Name.Trim();
        s.Description = u.Description;
        s.Composition = u.Composition;
        s.Preparation = u.Preparation;
    }
}

/// <summary>Samples of a proposal.</summary>
internal static class SamplesApi
{
    public static RouteGroupBuilder MapSamples(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/samples").WithTags("Samples");
        group.MapGet("/", ListSamples).AllowAnonymous().WithName("ListSamples").WithSummary("Samples you may see, optionally of one proposal.");
        group.MapGet("/{id:guid}", GetSample).AllowAnonymous().WithName("GetSample").WithSummary("One sample.");
        group.MapPost("/", CreateSample).WithName("CreateSample").WithSummary("Create a sample in a proposal (members).");
        group.MapPut("/{id:guid}", ReplaceSample).WithName("ReplaceSample").WithSummary("Replace a sample's fields (members).");
        group.MapPatch("/{id:guid}", PatchSample).WithName("PatchSample").WithSummary("Change some fields of a sample (JSON merge patch).")
            .Accepts<JsonElement>(MergePatch.MediaType);
        group.MapDelete("/{id:guid}", DeleteSample).WithName("DeleteSample").WithSummary("Delete a sample no measurement refers to (PI, facility staff or admin).");
        return group;
    }

    internal static IQueryable<Sample> Readable(IdrpDbContext db, AccessService access) =>
        db.Samples.Where(access.Rules.CanReadSample());

    private static async Task<Ok<Page<SampleResponse>>> ListSamples(
        [AsParameters] PageQuery page, Guid? proposalId, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        var query = Readable(db, access);
        if (proposalId is { } pid)
        {
            query = query.Where(s => s.ProposalId == pid);
        }

        return TypedResults.Ok(await query.ToPageAsync(page, s => s.ToResponse(), ct));
    }

    private static Task<Results<Ok<SampleResponse>, ProblemHttpResult, StatusCodeHttpResult>> GetSample(
        Guid id, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        RecordFlows.GetAsync(Readable(db, access), id, "sample", s => s.ToResponse(), http, ct);

    private static async Task<Results<Created<SampleResponse>, ProblemHttpResult>> CreateSample(
        CreateSampleRequest request, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        var outcome = await SampleWrites.CreateAsync(request, access, db, ct);
        if (outcome.Problem is { } problem)
        {
            return problem;
        }

        var sample = outcome.Value!;
        ETags.Set(http, sample.Version);
        return TypedResults.Created($"/api/v1/samples/{sample.Id}", sample.ToResponse());
    }

    private static Task<Results<Ok<SampleResponse>, ProblemHttpResult>> ReplaceSample(
        Guid id, SampleUpdate update, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        Edit(id, _ => update, http, access, db, ct);

    private static Task<Results<Ok<SampleResponse>, ProblemHttpResult>> PatchSample(
        Guid id, JsonElement patch, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        Edit(id, s => Edits.Patch(s.ToUpdate(), patch, http), http, access, db, ct);

    private static async Task<Results<Ok<SampleResponse>, ProblemHttpResult>> Edit(
        Guid id, Func<Sample, SampleUpdate> makeUpdate, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        var outcome = await SampleWrites.EditAsync(id, version => ETags.IfMatchAllows(http, version), makeUpdate, access, db, ct);
        if (outcome.Problem is { } problem)
        {
            return problem;
        }

        ETags.Set(http, outcome.Value!.Version);
        return TypedResults.Ok(outcome.Value.ToResponse());
    }

    private static Task<Results<NoContent, ProblemHttpResult>> DeleteSample(
        Guid id, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        RecordFlows.DeleteAsync(
            Readable(db, access), id, "sample",
            s => access.DenyUnlessAsync(s.ProposalId, ProposalAccess.Manager, "delete samples", ct),
            async s => await db.Measurements.AnyAsync(m => m.SampleId == s.Id, ct)
                ? "Measurements still refer to this sample."
                : null,
            http, db, ct);
}
