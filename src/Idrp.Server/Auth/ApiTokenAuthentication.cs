using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Idrp.Server.Auth;

/// <summary>
/// Personal API tokens: "idrp_" and 43 characters of base64url randomness (256 bits). Only their SHA-256
/// is stored: a salt or a slow hash buys nothing for a secret with that much entropy, and a plain hash
/// lets the token be found with one indexed lookup.
/// </summary>
internal static class TokenSecrets
{
    public const string Prefix = "idrp_";

    public static string NewSecret() => Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string secret) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>What lists show of a token: enough to tell tokens apart, far too little to use one.</summary>
    public static string DisplayPrefix(string secret) => secret[..Math.Min(secret.Length, Prefix.Length + 6)];

    /// <summary>Makes a new token for a person (not yet saved); the secret is returned here and nowhere else.</summary>
    public static (ApiToken Token, string Secret) Issue(Guid personId, string name, TokenScope scope, int? expiresInDays, DateTimeOffset now)
    {
        var secret = NewSecret();
        var token = new ApiToken
        {
            PersonId = personId,
            Name = name.Trim(),
            Prefix = DisplayPrefix(secret),
            Hash = Hash(secret),
            Scope = scope,
            CreatedAt = now,
            ExpiresAt = expiresInDays is { } days ? now.AddDays(days) : null,
        };
        return (token, secret);
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>Authenticates "Authorization: Bearer idrp_..." against the stored token hashes.</summary>
internal sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IdrpDbContext db,
    TimeProvider clock)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";

    public const string TokenIdClaim = "idrp:token";

    // Writing last-used on every request would turn every read into a write; once a minute is enough to see which tokens live.
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var secret = header["Bearer ".Length..].Trim();
        if (!secret.StartsWith(TokenSecrets.Prefix, StringComparison.Ordinal))
        {
            return AuthenticateResult.Fail("Not an IDRP API token.");
        }

        var hash = TokenSecrets.Hash(secret);
        var now = clock.GetUtcNow();
        var token = await db.ApiTokens.AsNoTracking().FirstOrDefaultAsync(t => t.Hash == hash, Context.RequestAborted);
        if (token is null || token.RevokedAt is not null || (token.ExpiresAt is { } expires && expires <= now))
        {
            // One message for all three: a caller learns nothing about which tokens exist.
            return AuthenticateResult.Fail("The API token is unknown, revoked or expired.");
        }

        if (token.LastUsedAt is null || now - token.LastUsedAt > LastUsedResolution)
        {
            await db.ApiTokens.Where(t => t.Id == token.Id)
                .ExecuteUpdateAsync(u => u.SetProperty(t => t.LastUsedAt, now), Context.RequestAborted);
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, token.PersonId.ToString()),
                new Claim(CurrentActor.ScopeClaim, token.Scope.ToString()),
                new Claim(TokenIdClaim, token.Id.ToString()),
            ],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        var problems = Context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails =
            {
                Status = 401,
                Type = Api.Problems.TypeBase + "unauthorized",
                Title = "Sign-in required",
                Detail = "Send a valid API token as 'Authorization: Bearer idrp_...' or sign in.",
            },
        });
    }
}
