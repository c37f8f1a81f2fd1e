using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Idrp.Server.Api;

/// <summary>
/// The shape every single-record read, edit and delete of the API has, in one place: find the record
/// among those the caller may read (else 404), authorize the change (else 403), honour If-Match (else
/// 412), validate (else 422), change, save, answer with the new ETag.
/// </summary>
internal static class RecordFlows
{
    public static async Task<Results<Ok<TResponse>, ProblemHttpResult, StatusCodeHttpResult>> GetAsync<TEntity, TResponse>(
        IQueryable<TEntity> readable, Guid id, string kind, Func<TEntity, TResponse> map, HttpContext http, CancellationToken ct)
        where TEntity : Entity
    {
        var entity = await readable.AsNoTracking().FirstOrDefaultAsync(e => e.Id == id, ct);
        if (entity is null)
        {
            return Problems.NotFound(kind, id);
        }

        ETags.Set(http, entity.Version);
        if (ETags.IsNotModified(http, entity.Version))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        return TypedResults.Ok(map(entity));
    }

    public static async Task<Results<Ok<TResponse>, ProblemHttpResult>> EditAsync<TEntity, TUpdate, TResponse>(
        IQueryable<TEntity> readable,
        Guid id,
        string kind,
        Func<TEntity, Task<ProblemHttpResult?>> authorize,
        Func<TEntity, TUpdate> makeUpdate,
        Func<TEntity, TUpdate, Task<ProblemHttpResult?>> apply,
        Func<TEntity, TResponse> map,
        HttpContext http,
        IdrpDbContext db,
        CancellationToken ct)
        where TEntity : Entity
        where TUpdate : notnull
    {
        var outcome = await EditAsync(readable, id, kind, authorize, version => ETags.IfMatchAllows(http, version), makeUpdate, apply, db, ct);
        if (outcome.Problem is { } problem)
        {
            return problem;
        }

        ETags.Set(http, outcome.Value!.Version);
        return TypedResults.Ok(map(outcome.Value));
    }

    /// <summary>
    /// The edit itself, for the API (If-Match) and the web UI (the version the form was rendered with):
    /// 404 unless readable, 403 unless authorized, 412 unless <paramref name="versionMatches"/>, 422 unless valid.
    /// </summary>
    public static async Task<Outcome<TEntity>> EditAsync<TEntity, TUpdate>(
        IQueryable<TEntity> readable,
        Guid id,
        string kind,
        Func<TEntity, Task<ProblemHttpResult?>> authorize,
        Func<long, bool> versionMatches,
        Func<TEntity, TUpdate> makeUpdate,
        Func<TEntity, TUpdate, Task<ProblemHttpResult?>> apply,
        IdrpDbContext db,
        CancellationToken ct)
        where TEntity : Entity
        where TUpdate : notnull
    {
        var entity = await readable.FirstOrDefaultAsync(e => e.Id == id, ct);
        if (entity is null)
        {
            return Problems.NotFound(kind, id);
        }

        if (await authorize(entity) is { } denied)
        {
            return denied;
        }

        if (!versionMatches(entity.Version))
        {
            return Problems.PreconditionFailed(entity.Version);
        }

        var update = makeUpdate(entity);
        if (Edits.Validate(update) is { } invalid)
        {
            return invalid;
        }

        if (await apply(entity, update) is { } rejected)
        {
            return rejected;
        }

        await db.SaveChangesAsync(ct);
        return entity;
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync<TEntity>(
        IQueryable<TEntity> readable,
        Guid id,
        string kind,
        Func<TEntity, Task<ProblemHttpResult?>> authorize,
        Func<TEntity, Task<string?>> blockedBy,
        HttpContext http,
        IdrpDbContext db,
        CancellationToken ct)
        where TEntity : Entity
    {
        var entity = await readable.FirstOrDefaultAsync(e => e.Id == id, ct);
        if (entity is null)
        {
            return Problems.NotFound(kind, id);
        }

        if (await authorize(entity) is { } denied)
        {
            return denied;
        }

        if (!ETags.IfMatchAllows(http, entity.Version))
        {
            return Problems.PreconditionFailed(entity.Version);
        }

        if (await blockedBy(entity) is { } reason)
        {
            return Problems.Conflict(reason);
        }

        db.Remove(entity);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }
}
