using System.Text.Json;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Idrp.Server.Access;
using Idrp.Server.Api;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Idrp.Server.Features.Audit;

public sealed record AuditEventResponse(
    Guid Id, DateTimeOffset At, Guid? ActorId, AuditAction Action, string EntityType, Guid EntityId, Guid? ProposalId,
    JsonElement? Before, JsonElement? After);

/// <summary>The audit trail: admins see everything; proposal insiders see the changes to their proposal's records.</summary>
internal static class AuditApi
{
    public static RouteGroupBuilder MapAudit(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/audit-events").WithTags("Audit");
        group.MapGet("/", ListAuditEvents).WithName("ListAuditEvents")
            .WithSummary("Changes, oldest first, optionally of one record (entityId) or proposal (proposalId).");
        return group;
    }

    private static async Task<Ok<Page<AuditEventResponse>>> ListAuditEvents(
        [AsParameters] PageQuery page, Guid? entityId, Guid? proposalId, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        var query = db.AuditEvents.AsQueryable();
        if (!access.Actor.IsAdmin)
        {
            var insiderOf = db.Proposals.Where(access.Rules.IsInsider()).Select(p => (Guid?)p.Id);
            query = query.Where(e => e.ProposalId != null && insiderOf.Contains(e.ProposalId));
        }

        if (entityId is { } eid)
        {
            query = query.Where(e => e.EntityId == eid);
        }

        if (proposalId is { } pid)
        {
            query = query.Where(e => e.ProposalId == pid);
        }

        return TypedResults.Ok(await query.ToPageAsync(page, e => new AuditEventResponse(
            e.Id, e.At, e.ActorId, e.Action, e.EntityType, e.EntityId, e.ProposalId, Parse(e.Before), Parse(e.After)), ct));
    }

    private static JsonElement? Parse(string? json) => json is null ? null : JsonDocument.Parse(json).RootElement.Clone();
}
