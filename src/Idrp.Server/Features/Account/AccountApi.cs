using System.ComponentModel.DataAnnotations;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Idrp.Server.Access;
using Idrp.Server.Api;
using Idrp.Server.Auth;
using Idrp.Server.Features.People;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Idrp.Server.Features.Account;

public sealed record LoginRequest([property: Required] string UserName, [property: Required] string Password);

public sealed record ChangePasswordRequest(
    [property: Required] string CurrentPassword,
    [property: Required, MinLength(10)] string NewPassword);

public sealed record MeResponse(Guid Id, string? UserName, PersonResponse Person);

public sealed record CreateTokenRequest(
    [property: Required, StringLength(100, MinimumLength = 1)] string Name,
    TokenScope Scope = TokenScope.ReadWrite,
    [property: Range(1, 3650)] int? ExpiresInDays = 365);

/// <summary>A token as listed: never the secret.</summary>
public sealed record TokenResponse(Guid Id, string Name, string Prefix, TokenScope Scope, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);

/// <summary>A new token with its secret, which is shown this once.</summary>
public sealed record CreatedTokenResponse(TokenResponse Token, string Secret);

/// <summary>Sign-in, the signed-in person, and their personal API tokens.</summary>
internal static class AccountApi
{
    public static RouteGroupBuilder MapAccount(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/account").WithTags("Account");
        group.MapPost("/login", Login).AllowAnonymous().WithName("Login")
            .WithSummary("Sign in with user name and password; sets the session cookie used by the web UI.");
        group.MapPost("/logout", Logout).WithName("Logout").WithSummary("Sign out (clears the session cookie).");
        group.MapGet("/", GetMe).WithName("GetMe").WithSummary("The signed-in person.");
        group.MapPost("/password", ChangePassword).WithName("ChangePassword").WithSummary("Change the signed-in person's password.");
        group.MapGet("/tokens", ListTokens).WithName("ListTokens").WithSummary("The signed-in person's API tokens (without secrets).");
        group.MapPost("/tokens", CreateToken).WithName("CreateToken")
            .WithSummary("Create a personal API token; its secret is in this response only.");
        group.MapDelete("/tokens/{id:guid}", RevokeToken).WithName("RevokeToken").WithSummary("Revoke one of the signed-in person's API tokens.");
        return group;
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Login(LoginRequest request, SignInManager<Infrastructure.Persistence.Account> signIn)
    {
        var result = await signIn.PasswordSignInAsync(request.UserName, request.Password, isPersistent: false, lockoutOnFailure: true);
        if (result.Succeeded)
        {
            return TypedResults.NoContent();
        }

        return result.IsLockedOut
            ? Problems.Make(StatusCodes.Status401Unauthorized, "locked-out", "Account locked", "Too many failed sign-ins; try again in a few minutes.")
            : Problems.Make(StatusCodes.Status401Unauthorized, "unauthorized", "Sign-in failed", "The user name or password is wrong.");
    }

    private static async Task<NoContent> Logout(SignInManager<Infrastructure.Persistence.Account> signIn)
    {
        await signIn.SignOutAsync();
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<MeResponse>, ProblemHttpResult>> GetMe(AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        if (access.Actor.PersonId is not { } pid)
        {
            return Problems.Make(StatusCodes.Status401Unauthorized, "unauthorized", "Sign-in required", "Sign in first.");
        }

        var person = await db.People.AsNoTracking().FirstAsync(p => p.Id == pid, ct);
        var userName = await db.Users.Where(u => u.Id == pid).Select(u => u.UserName).FirstOrDefaultAsync(ct);
        return TypedResults.Ok(new MeResponse(pid, userName, person.ToResponse(includeEmail: true)));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> ChangePassword(
        ChangePasswordRequest request, HttpContext http, AccessService access, UserManager<Infrastructure.Persistence.Account> users)
    {
        if (DenyTokenAuthentication(http, "change the password") is { } denied)
        {
            return denied;
        }

        var account = await users.FindByIdAsync(access.Actor.PersonId!.Value.ToString());
        if (account is null)
        {
            return Problems.Conflict("You have no local account; your password is managed by your identity provider.");
        }

        var result = await users.ChangePasswordAsync(account, request.CurrentPassword, request.NewPassword);
        return result.Succeeded
            ? TypedResults.NoContent()
            : Problems.Validation(new Dictionary<string, string[]> { ["newPassword"] = result.Errors.Select(e => e.Description).ToArray() });
    }

    private static async Task<Ok<List<TokenResponse>>> ListTokens(AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        var pid = access.Actor.PersonId;
        var tokens = await db.ApiTokens.AsNoTracking().Where(t => t.PersonId == pid).OrderBy(t => t.Id).ToListAsync(ct);
        return TypedResults.Ok(tokens.ConvertAll(ToResponse));
    }

    private static async Task<Results<Created<CreatedTokenResponse>, ProblemHttpResult>> CreateToken(
        CreateTokenRequest request, HttpContext http, AccessService access, IdrpDbContext db, TimeProvider clock, CancellationToken ct)
    {
        // A token may not mint tokens: a leaked token must not be able to outlive its own revocation.
        if (DenyTokenAuthentication(http, "create API tokens") is { } denied)
        {
            return denied;
        }

        var (token, secret) = TokenSecrets.Issue(access.Actor.PersonId!.Value, request.Name, request.Scope, request.ExpiresInDays, clock.GetUtcNow());
        db.ApiTokens.Add(token);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/account/tokens/{token.Id}", new CreatedTokenResponse(ToResponse(token), secret));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeToken(
        Guid id, HttpContext http, AccessService access, IdrpDbContext db, TimeProvider clock, CancellationToken ct)
    {
        // A token may revoke itself (a CLI signing out); managing other tokens needs a signed-in session.
        if (http.User.FindFirstValue(ApiTokenAuthenticationHandler.TokenIdClaim) is { } own && own != id.ToString()
            && DenyTokenAuthentication(http, "revoke other API tokens") is { } denied)
        {
            return denied;
        }

        var pid = access.Actor.PersonId;
        var token = await db.ApiTokens.FirstOrDefaultAsync(t => t.Id == id && t.PersonId == pid, ct);
        if (token is null)
        {
            return Problems.NotFound("API token", id);
        }

        token.RevokedAt ??= clock.GetUtcNow();
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    /// <summary>403 when the request is authenticated by API token rather than by a signed-in session.</summary>
    private static ProblemHttpResult? DenyTokenAuthentication(HttpContext http, string action) =>
        http.User.Identity?.AuthenticationType == ApiTokenAuthenticationHandler.SchemeName
            ? Problems.Forbidden($"An API token may not {action}; sign in with your password (web UI or /api/v1/account/login).")
            : null;

    private static TokenResponse ToResponse(ApiToken t) =>
        new(t.Id, t.Name, t.Prefix, t.Scope, t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt);
}
