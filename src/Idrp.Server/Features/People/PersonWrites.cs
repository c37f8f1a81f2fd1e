using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Idrp.Server.Access;
using Idrp.Server.Api;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Idrp.Server.Features.People;

/// <summary>Creating people (admins) and editing them (themselves, admins): the rules the API and the web UI share.</summary>
internal static class PersonWrites
{
    public static async Task<Outcome<Person>> CreateAsync(
        CreatePersonRequest request, AccessService access, IdrpDbContext db, UserManager<Infrastructure.Persistence.Account> users, CancellationToken ct)
    {
        if (access.DenyUnlessAdmin("create people") is { } denied)
        {
            return denied;
        }

        if (Edits.Validate(request) is { } invalid)
        {
            return invalid;
        }

        var person = new Person { DisplayName = request.DisplayName };
        person.Apply(request);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.People.Add(person);
        await db.SaveChangesAsync(ct);
        if (request.UserName is not null)
        {
            var result = await users.CreateAsync(new Infrastructure.Persistence.Account { Id = person.Id, UserName = request.UserName, Email = request.Email }, request.Password!);
            if (!result.Succeeded)
            {
                // The person row is rolled back with the transaction; the tracked entity must not be saved later in this scope.
                db.Entry(person).State = EntityState.Detached;

                // Identity reports a taken user name as an error code, not an exception.
                var taken = result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.DuplicateUserName));
                return taken
                    ? Problems.Conflict($"The user name '{request.UserName}' is taken.")
                    : Problems.Validation(new Dictionary<string, string[]> { ["password"] = result.Errors.Select(e => e.Description).ToArray() });
            }
        }

        await transaction.CommitAsync(ct);
        return person;
    }

    public static Task<Outcome<Person>> EditAsync(
        Guid id, Func<long, bool> versionMatches, Func<Person, PersonUpdate> makeUpdate, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        RecordFlows.EditAsync(
            db.People, id, "person",
            _ => Task.FromResult(access.DenyReadOnlyToken()
                ?? (access.Actor.IsAdmin || access.Actor.PersonId == id ? null : Problems.Forbidden("Only the person themself or an admin may edit a person."))),
            versionMatches,
            makeUpdate,
            async (person, update) =>
            {
                if (update.IsAdmin != person.IsAdmin && !access.Actor.IsAdmin)
                {
                    return Problems.Forbidden("Only an admin may grant or withdraw admin rights.");
                }

                if (!update.IsAdmin && person.IsAdmin && !await db.People.AnyAsync(p => p.IsAdmin && p.Id != id, ct))
                {
                    return Problems.Conflict("This is the last admin; make someone else admin first.");
                }

                person.Apply(update);
                return null;
            },
            db, ct);
}
