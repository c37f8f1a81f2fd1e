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

namespace Idrp.Server.Features.Derivations;

public sealed record DerivationResponse(
    Guid Id, Guid ProposalId, Guid? OutputAssetId, Guid? OutputMeasurementId, string Activity, string? ActivityVersion,
    JsonElement? Parameters, Guid? AgentId, IReadOnlyList<Guid> InputAssetIds, DateTimeOffset CreatedAt, long Version);

/// <summary>
/// Records that an output (one data asset, or a whole measurement) was made from input data assets by an
/// activity. Analysis jobs write these themselves; this endpoint is for provenance made elsewhere.
/// </summary>
public sealed record CreateDerivationRequest(
    Guid? OutputAssetId,
    Guid? OutputMeasurementId,
    [property: Required, StringLength(Limits.Code, MinimumLength = 1)] string Activity,
    [property: StringLength(Limits.Code)] string? ActivityVersion,
    JsonElement? Parameters,
    [property: Required, MinLength(1), MaxLength(10_000)] IReadOnlyList<Guid> InputAssetIds) : IValidatableObject
{
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if ((OutputAssetId is null) == (OutputMeasurementId is null))
        {
            yield return new ValidationResult("Give exactly one of outputAssetId and outputMeasurementId.", [nameof(OutputAssetId), nameof(OutputMeasurementId)]);
        }

        if (OutputAssetId is { } output && InputAssetIds?.Contains(output) == true)
        {
            yield return new ValidationResult("A data asset cannot be made from itself.", [nameof(InputAssetIds)]);
        }

        if (Parameters is { } p && p.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
        {
            yield return new ValidationResult("parameters is a JSON object.", [nameof(Parameters)]);
        }
    }
}

/// <summary>Provenance records. They are immutable: a wrong one is deleted and recorded again.</summary>
internal static class DerivationsApi
{
    public static RouteGroupBuilder MapDerivations(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/derivations").WithTags("Provenance");
        group.MapGet("/", ListDerivations).AllowAnonymous().WithName("ListDerivations")
            .WithSummary("Provenance: what an output was made from (outputAssetId, outputMeasurementId) or what was made from an input (inputAssetId).");
        group.MapGet("/{id:guid}", GetDerivation).AllowAnonymous().WithName("GetDerivation").WithSummary("One provenance record.");
        group.MapPost("/", CreateDerivation).WithName("CreateDerivation").WithSummary("Record provenance of an output (members of the output's proposal).");
        group.MapDelete("/{id:guid}", DeleteDerivation).WithName("DeleteDerivation").WithSummary("Delete a provenance record (PI, facility staff or admin).");
        return group;
    }

    private static IQueryable<Derivation> Readable(IdrpDbContext db, AccessService access) =>
        db.Derivations.Include(d => d.Inputs).Where(access.Rules.CanReadDerivation());

    private static DerivationResponse ToResponse(this Derivation d) => new(
        d.Id, d.ProposalId, d.OutputAssetId, d.OutputMeasurementId, d.Activity, d.ActivityVersion,
        d.Parameters is null ? null : JsonDocument.Parse(d.Parameters).RootElement.Clone(),
        d.AgentId, d.Inputs.Select(i => i.AssetId).Order().ToList(), d.CreatedAt, d.Version);

    private static async Task<Ok<Page<DerivationResponse>>> ListDerivations(
        [AsParameters] PageQuery page, Guid? outputAssetId, Guid? outputMeasurementId, Guid? inputAssetId,
        AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        var query = Readable(db, access);
        if (outputAssetId is { } oa)
        {
            query = query.Where(d => d.OutputAssetId == oa);
        }

        if (outputMeasurementId is { } om)
        {
            query = query.Where(d => d.OutputMeasurementId == om);
        }

        if (inputAssetId is { } ia)
        {
            query = query.Where(d => d.Inputs.Any(i => i.AssetId == ia));
        }

        return TypedResults.Ok(await query.ToPageAsync(page, d => d.ToResponse(), ct));
    }

    private static Task<Results<Ok<DerivationResponse>, ProblemHttpResult, StatusCodeHttpResult>> GetDerivation(
        Guid id, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        RecordFlows.GetAsync(Readable(db, access), id, "derivation", d => d.ToResponse(), http, ct);

    private static async Task<Results<Created<DerivationResponse>, ProblemHttpResult>> CreateDerivation(
        CreateDerivationRequest request, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        Guid? proposalId = request.OutputAssetId is { } oa
            ? await db.DataAssets.Where(access.Rules.CanReadDataAsset()).Where(a => a.Id == oa).Select(a => (Guid?)a.ProposalId).FirstOrDefaultAsync(ct)
            : await db.Measurements.Where(access.Rules.CanReadMeasurement()).Where(m => m.Id == request.OutputMeasurementId).Select(m => (Guid?)m.ProposalId).FirstOrDefaultAsync(ct);
        if (proposalId is null)
        {
            return Problems.NotFound(request.OutputAssetId is not null ? "data asset" : "measurement", request.OutputAssetId ?? request.OutputMeasurementId!.Value);
        }

        if (await access.DenyUnlessAsync(proposalId.Value, ProposalAccess.Member, "record provenance", ct) is { } denied)
        {
            return denied;
        }

        var inputs = request.InputAssetIds.Distinct().ToList();
        var readableInputs = await db.DataAssets.Where(access.Rules.CanReadDataAsset()).CountAsync(a => inputs.Contains(a.Id), ct);
        if (readableInputs != inputs.Count)
        {
            return Problems.Invalid("inputAssetIds", "One or more input data assets do not exist or you may not read them.");
        }

        var derivation = new Derivation
        {
            ProposalId = proposalId.Value,
            OutputAssetId = request.OutputAssetId,
            OutputMeasurementId = request.OutputMeasurementId,
            Activity = request.Activity,
            ActivityVersion = request.ActivityVersion,
            Parameters = request.Parameters is { ValueKind: JsonValueKind.Object } p ? p.GetRawText() : null,
            AgentId = access.Actor.PersonId,
        };
        derivation.Inputs.AddRange(inputs.Select(i => new DerivationInput { DerivationId = derivation.Id, AssetId = i }));
        db.Derivations.Add(derivation);
        await db.SaveChangesAsync(ct);
        ETags.Set(http, derivation.Version);
        return TypedResults.Created($"/api/v1/derivations/{derivation.Id}", derivation.ToResponse());
    }

    private static Task<Results<NoContent, ProblemHttpResult>> DeleteDerivation(
        Guid id, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        RecordFlows.DeleteAsync(
            Readable(db, access), id, "derivation",
            d => access.DenyUnlessAsync(d.ProposalId, ProposalAccess.Manager, "delete provenance", ct),
            _ => Task.FromResult<string?>(null),
            http, db, ct);
}
