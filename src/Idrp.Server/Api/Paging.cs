using System.ComponentModel;
using Microsoft.EntityFrameworkCore;

namespace Idrp.Server.Api;

/// <summary>One page of a list. <c>next</c> is the cursor for the following page, or null on the last page.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? Next);

/// <summary>
/// Keyset paging over time-ordered ids: stable under concurrent inserts and as fast on page 1,000 as on page 1.
/// </summary>
public sealed record PageQuery
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    /// <summary>Items per page, 1 to 500 (default 50).</summary>
    [Description("Items per page, 1 to 500 (default 50).")]
    public int? Limit { get; init; }

    /// <summary>The <c>next</c> cursor of the previous page.</summary>
    [Description("The next cursor of the previous page.")]
    public string? After { get; init; }

    internal int EffectiveLimit => Math.Clamp(Limit ?? DefaultLimit, 1, MaxLimit);
}

internal static class PagingExtensions
{
    /// <summary>Orders by id, starts after the cursor and reads one item more than asked to know whether there is a next page.</summary>
    public static async Task<Page<TOut>> ToPageAsync<T, TOut>(
        this IQueryable<T> query, PageQuery page, Func<T, TOut> map, CancellationToken cancellationToken)
        where T : class, Domain.Model.IHasId
    {
        var limit = page.EffectiveLimit;
        if (page.After is not null)
        {
            var after = ParseCursor(page.After);
            query = query.Where(x => x.Id.CompareTo(after) > 0);
        }

        var items = await query.AsNoTracking().OrderBy(x => x.Id).Take(limit + 1).ToListAsync(cancellationToken);
        var next = items.Count > limit ? items[limit - 1].Id.ToString() : null;
        if (items.Count > limit)
        {
            items.RemoveAt(limit);
        }

        return new Page<TOut>(items.ConvertAll(x => map(x)), next);
    }

    private static Guid ParseCursor(string cursor) =>
        Guid.TryParse(cursor, out var id)
            ? id
            : throw new BadHttpRequestException("The 'after' cursor is not one this API handed out.", StatusCodes.Status400BadRequest);
}
