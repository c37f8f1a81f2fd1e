using System.Text.Json;
using System.Text.Json.Serialization;
using Idrp.Infrastructure.Extraction;
using Idrp.Infrastructure.Persistence;
using Idrp.Infrastructure.Storage;
using Idrp.Server.Access;
using Idrp.Server.Api;
using Idrp.Server.Auth;
using Idrp.Server.Jobs;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.HttpLogging;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace Idrp.Server.Hosting;

internal static class ServerServiceCollectionExtensions
{
    public const string SmartScheme = "idrp";

    /// <summary>Everything the server needs: options, persistence, accounts, authorization, API plumbing, health, OpenAPI.</summary>
    public static WebApplicationBuilder AddIdrpServer(this WebApplicationBuilder builder)
    {
        builder.Configuration.AddEnvironmentVariables("IDRP_");
        var services = builder.Services;
        var configuration = builder.Configuration;

        services.AddOptions<IdrpOptions>().Bind(configuration).ValidateOnStart();
        services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.Section);
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section);
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section);

        services.AddSingleton(TimeProvider.System);
        services.AddIdrpPersistence(sp => (
            sp.GetRequiredService<IOptions<DatabaseOptions>>().Value,
            Path.GetFullPath(sp.GetRequiredService<IOptions<IdrpOptions>>().Value.DataDirectory)));
        services.AddIdrpStorage(sp => (
            sp.GetRequiredService<IOptions<StorageOptions>>().Value,
            Path.GetFullPath(sp.GetRequiredService<IOptions<IdrpOptions>>().Value.DataDirectory)));
        services.AddSingleton<Features.Uploads.UploadHashes>();
        services.AddIdrpExtraction();
        builder.AddIdrpJobs();
        services.AddHttpClient(Features.Fixity.FixityCheck.HttpClientName).RemoveAllLoggers(); // its default logs name each URL, and a link may carry credentials
        services.AddScoped<CurrentActor>();
        services.AddScoped<AccessService>();
        services.AddOptions<Features.Search.SearchOptions>().BindConfiguration(Features.Search.SearchOptions.Section)
            .Validate(o => o.CountLimit is >= 1 and <= 1_000_000 && o.RankLimit >= 1 && o.FacetCacheSize >= o.CountLimit + 1,
                "Search:CountLimit must be 1 to 1,000,000, Search:RankLimit at least 1 and Search:FacetCacheSize more than Search:CountLimit.").ValidateOnStart();
        services.AddSingleton<Features.Search.FacetValueCache>();
        services.AddScoped<Features.Search.SearchService>();

        // First of the hosted services: the schema must exist before anything (data protection's key ring) reads it.
        services.AddHostedService<DatabaseInitializer>();
        services.AddHostedService<Features.Uploads.PendingUploadsFlush>();
        if (configuration.Role() != ServerRole.Worker)
        {
            services.AddHostedService<Features.Search.FacetValueCacheFill>(); // a worker answers no searches
        }
        services.AddDataProtection().SetApplicationName("idrp").PersistKeysToDbContext<IdrpDbContext>();
        AddAccounts(services);

        services.ConfigureHttpJsonOptions(o => ConfigureJson(o.SerializerOptions));
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
        {
            c.ProblemDetails.Instance ??= c.HttpContext.Request.Path;
            // Problems the framework makes (unknown routes, status-code pages) get our type URIs too.
            if (c.ProblemDetails.Type is null || !c.ProblemDetails.Type.StartsWith(Problems.TypeBase, StringComparison.Ordinal))
            {
                c.ProblemDetails.Type = Problems.TypeBase + Problems.Slug(c.ProblemDetails.Status ?? c.HttpContext.Response.StatusCode);
            }

            c.ProblemDetails.Detail ??= Problems.DefaultDetail(c.ProblemDetails.Status ?? c.HttpContext.Response.StatusCode);
            if (c.HttpContext.Response.StatusCode == StatusCodes.Status401Unauthorized)
            {
                c.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
            }

            c.ProblemDetails.Extensions["traceId"] = c.HttpContext.TraceIdentifier;
        });
        services.AddExceptionHandler<ProblemExceptionHandler>();

        services.AddHttpLogging(o =>
        {
            // Method, path, status and duration only: no headers (tokens, cookies), no query strings, no bodies.
            o.LoggingFields = HttpLoggingFields.RequestMethod | HttpLoggingFields.RequestPath
                | HttpLoggingFields.ResponseStatusCode | HttpLoggingFields.Duration;
            o.CombineLogs = true;
        });

        services.AddRazorComponents();
        services.AddCascadingAuthenticationState();
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "IDRP API";
            document.Info.Description = "Information and Data Repository Platform: proposals, experiments, samples, measurements and their data.";
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "A personal API token (idrp_...), created under /api/v1/account/tokens or in the web UI.",
            };
            return Task.CompletedTask;
        }));
        return builder;
    }

    public static void ConfigureJson(JsonSerializerOptions options)
    {
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
    }

    private static void AddAccounts(IServiceCollection services)
    {
        services.AddIdentityCore<Account>(o =>
            {
                // Length over composition rules (NIST SP 800-63B).
                o.Password.RequiredLength = 10;
                o.Password.RequireDigit = false;
                o.Password.RequireLowercase = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireNonAlphanumeric = false;
                o.Lockout.MaxFailedAccessAttempts = 10;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
                o.User.RequireUniqueEmail = false;
            })
            .AddEntityFrameworkStores<IdrpDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();

        services.AddAuthentication(o =>
            {
                o.DefaultScheme = SmartScheme;
                o.DefaultChallengeScheme = SmartScheme;
            })
            .AddPolicyScheme(SmartScheme, "Cookie or API token", o => o.ForwardDefaultSelector = http =>
                http.Request.Headers.Authorization.Count > 0 ? ApiTokenAuthenticationHandler.SchemeName : IdentityConstants.ApplicationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null)
            .AddIdentityCookies();

        services.ConfigureApplicationCookie(o =>
        {
            o.Cookie.Name = "idrp.session";
            o.Cookie.HttpOnly = true;
            // Strict same-site cookies are the API's defence against cross-site request forgery.
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.LoginPath = "/login";
            o.SlidingExpiration = true;
            o.ExpireTimeSpan = TimeSpan.FromHours(12);
            o.Events.OnRedirectToLogin = c => ApiAwareRedirect(c, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = c => ApiAwareRedirect(c, StatusCodes.Status403Forbidden);
        });

        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
    }

    private static async Task ApiAwareRedirect(Microsoft.AspNetCore.Authentication.RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> context, int status)
    {
        if (!context.Request.Path.StartsWithSegments("/api"))
        {
            context.Response.Redirect(context.RedirectUri);
            return;
        }

        context.Response.StatusCode = status;
        var problems = context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context.HttpContext,
            ProblemDetails =
            {
                Status = status,
                Type = Problems.TypeBase + (status == 401 ? "unauthorized" : "forbidden"),
                Title = status == 401 ? "Sign-in required" : "Forbidden",
                Detail = status == 401 ? "Send a valid API token as 'Authorization: Bearer idrp_...' or sign in." : "You may not do this.",
            },
        });
    }
}
