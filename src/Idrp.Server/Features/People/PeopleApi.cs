using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Idrp.Infrastructure.Persistence.Configurations;
using Idrp.Server.Access;
using Idrp.Server.Api;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Idrp.Server.Features.People;

/// <summary>A person. <c>email</c> is shown only to the person themself and to admins.</summary>
public sealed record PersonResponse(
    Guid Id, string DisplayName, string? Email, string? Orcid, string? Affiliation, bool IsAdmin,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, long Version);

/// <summary>Editable fields of a person.</summary>
public record PersonUpdate(
    [property: Required, StringLength(Limits.Name, MinimumLength = 1)] string DisplayName,
    [property: EmailAddress, StringLength(Limits.Name)] string? Email = null,
    [property: RegularExpression(@"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$", ErrorMessage = "An ORCID iD looks like 0000-0002-1825-0097.")] string? Orcid = null,
    [property: StringLength(Limits.Name)] string? Affiliation = null,
    bool IsAdmin = false);

/// <summary>A new person; with <c>userName</c> and <c>password</c> also a local sign-in account.</summary>
public sealed record CreatePersonRequest(
    string DisplayName, string? Email = null, string? Orcid = null, string? Affiliation = null, bool IsAdmin = false,
    [property: StringLength(100, MinimumLength = 2), RegularExpression(@"^[A-Za-z0-9._@-]+$", ErrorMessage = "User names use letters, digits and . _ @ - only.")] string? UserName = null,
    [property: StringLength(200, MinimumLength = 10)] string? Password = null)
    : PersonUpdate(DisplayName, Email, Orcid, Affiliation, IsAdmin), IValidatableObject
{
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if ((UserName is null) != (Password is null))
        {
            yield return new ValidationResult("A sign-in account needs both userName and password.", [nameof(UserName), nameof(Password)]);
        }
    }
}

internal static class PersonMapping
{
    public static PersonResponse ToResponse(this Person p, bool includeEmail) =>
        new(p.Id, p.DisplayName, includeEmail ? p.Email : null, p.Orcid, p.Affiliation, p.IsAdmin, p.CreatedAt, p.UpdatedAt, p.Version);

    public static PersonUpdate ToUpdate(this Person p) => new(p.DisplayName, p.Email, p.Orcid, p.Affiliation, p.IsAdmin);

    public static void Apply(this Person p, PersonUpdate u)
    {
        p.DisplayName = u.DisplayName.Trim();
        p.Email = u.Email;
        p.Orcid = u.Orcid;
        p.Affiliation = u.Affiliation;
        p.IsAdmin = u.IsAdmin;
    }
}

/// <summary>People: visible to signed-in users; created by admins; edited by themselves or admins.</summary>
internal static class PeopleApi
{
    public static RouteGroupBuilder MapPeople(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/people").WithTags("People");
        group.MapGet("/", ListPeople).WithName("ListPeople").WithSummary("People, optionally filtered by name or e-mail prefix.");
        group.MapGet("/{id:guid}", GetPerson).WithName("GetPerson").WithSummary("One person.");
        group.MapPost("/", CreatePerson).WithName("CreatePerson").WithSummary("Create a person, optionally with a local sign-in account (admin).");
        group.MapPut("/{id:guid}", ReplacePerson).WithName("ReplacePerson").WithSummary("Replace a person's editable fields (themself or admin).");
        group.MapPatch("/{id:guid}", PatchPerson).WithName("PatchPerson").WithSummary("Change some fields of a person (JSON merge patch).")
            .Accepts<JsonElement>(MergePatch.MediaType);
        group.MapDelete("/{id:guid}", DeletePerson).WithName("DeletePerson").WithSummary("Delete a person who is no proposal's member (admin); their shares and staff roles go with them.");
        return group;
    }

    private static async Task<Ok<Page<PersonResponse>>> ListPeople(
        [AsParameters] PageQuery page, string? q, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        var query = db.People.AsQueryable();
        if (!string.IsNullOrWhiteSpace(q))
        {
            var prefix = q.Trim();
            query = query.Where(p => p.DisplayName.StartsWith(prefix) || (p.Email != null && p.Email.StartsWith(prefix)));
        }

        var actor = access.Actor;
        return TypedResults.Ok(await query.ToPageAsync(page, p => p.ToResponse(actor.IsAdmin || p.Id == actor.PersonId), ct));
    }

    private static Task<Results<Ok<PersonResponse>, ProblemHttpResult, StatusCodeHttpResult>> GetPerson(
        Guid id, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        RecordFlows.GetAsync(db.People, id, "person", p => p.ToResponse(access.Actor.IsAdmin || access.Actor.PersonId == id), http, ct);

    private static async Task<Results<Created<PersonResponse>, ProblemHttpResult>> CreatePerson(
        CreatePersonRequest request, HttpContext http, AccessService access, IdrpDbContext db, UserManager<Infrastructure.Persistence.Account> users, CancellationToken ct)
    {
        var outcome = await PersonWrites.CreateAsync(request, access, db, users, ct);
        if (outcome.Problem is { } problem)
        {
            return problem;
        }

        var person = outcome.Value!;
        ETags.Set(http, person.Version);
        return TypedResults.Created($"/api/v1/people/{person.Id}", person.ToResponse(includeEmail: true));
    }

    private static Task<Results<Ok<PersonResponse>, ProblemHttpResult>> ReplacePerson(
        Guid id, PersonUpdate update, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        Edit(id, _ => update, http, access, db, ct);

    private static Task<Results<Ok<PersonResponse>, ProblemHttpResult>> PatchPerson(
        Guid id, JsonElement patch, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct) =>
        Edit(id, p => Edits.Patch(p.ToUpdate(), patch, http), http, access, db, ct);

    private static async Task<Results<Ok<PersonResponse>, ProblemHttpResult>> Edit(
        Guid id, Func<Person, PersonUpdate> makeUpdate, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        var outcome = await PersonWrites.EditAsync(id, version => ETags.IfMatchAllows(http, version), makeUpdate, access, db, ct);
        if (outcome.Problem is { } problem)
        {
            return problem;
        }

        ETags.Set(http, outcome.Value!.Version);
        return TypedResults.Ok(outcome.Value.ToResponse(includeEmail: true));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeletePerson(
        Guid id, HttpContext http, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        if (access.DenyUnlessAdmin("delete people") is { } denied)
        {
            return denied;
        }

        var person = await db.People.FirstOrDefaultAsync(p => p.Id == id, ct);
        if (person is null)
        {
            return Problems.NotFound("person", id);
        }

        if (!ETags.IfMatchAllows(http, person.Version))
        {
            return Problems.PreconditionFailed(person.Version);
        }

        if (person.IsAdmin && !await db.People.AnyAsync(p => p.IsAdmin && p.Id != id, ct))
        {
            return Problems.Conflict("This is the last admin.");
        }

        if (await db.ProposalMembers.AnyAsync(m => m.PersonId == id, ct))
        {
            return Problems.Conflict("The person is a member of proposals; remove them from those first.");
        }

        var account = await db.Users.FirstOrDefaultAsync(u => u.Id == id, ct);
        if (account is not null)
        {
            db.Users.Remove(account);
        }

        db.People.Remove(person);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }
}
