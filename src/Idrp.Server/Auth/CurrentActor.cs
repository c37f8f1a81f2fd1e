using System.Security.Claims;
using Idrp.Domain.Access;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;

namespace Idrp.Server.Auth;

/// <summary>The actor of the current request, resolved once after authentication.</summary>
internal sealed class CurrentActor
{
    public Actor Actor { get; private set; } = Actor.Anonymous;

    public const string ScopeClaim = "idrp:scope";

    /// <summary>Acts as someone outside a request: a job runs with its owner's rights.</summary>
    internal void RunAs(Actor actor) => Actor = actor;

    /// <summary>
    /// Looks the signed-in person up (a person deleted since sign-in counts as anonymous) and stamps the
    /// scope's change context so that audit events name them.
    /// </summary>
    internal static async Task ResolveAsync(HttpContext http, RequestDelegate next)
    {
        // A caller who sends credentials means to be someone: a bad token is refused, not read as anonymous.
        if (http.Request.Headers.Authorization.Count > 0 && http.User.Identity?.IsAuthenticated != true)
        {
            await http.ChallengeAsync();
            return;
        }

        var current = http.RequestServices.GetRequiredService<CurrentActor>();
        var id = http.User.FindFirstValue(ClaimTypes.NameIdentifier);
        if (http.User.Identity?.IsAuthenticated == true && Guid.TryParse(id, out var personId))
        {
            var db = http.RequestServices.GetRequiredService<IdrpDbContext>();
            var person = await db.People.AsNoTracking()
                .Where(p => p.Id == personId)
                .Select(p => new { p.IsAdmin })
                .FirstOrDefaultAsync(http.RequestAborted);
            if (person is not null)
            {
                var scope = Enum.TryParse<TokenScope>(http.User.FindFirstValue(ScopeClaim), out var s) ? s : TokenScope.ReadWrite;
                current.Actor = new Actor(personId, person.IsAdmin, scope);
                http.RequestServices.GetRequiredService<ChangeContext>().ActorId = personId;
            }
        }

        await next(http);
    }
}
