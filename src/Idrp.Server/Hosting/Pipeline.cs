using Idrp.Server.Api;
using Idrp.Server.Auth;
using Idrp.Server.Features;
using Idrp.Server.Jobs;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Identity;
using Scalar.AspNetCore;

namespace Idrp.Server.Hosting;

internal static class Pipeline
{
    public static WebApplication UseIdrpPipeline(this WebApplication app)
    {
        app.Use(ServerTiming.InvokeAsync);
        app.UseHttpLogging();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.Use(CurrentActor.ResolveAsync);
        app.UseAuthorization();
        app.UseAntiforgery();
        return app;
    }

    public static WebApplication MapIdrpEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") }).AllowAnonymous();
        if (app.Configuration.Role() == ServerRole.Worker)
        {
            return app; // a worker runs jobs and answers health checks, nothing else
        }

        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapScalarApiReference("/api/docs", o => o.WithTitle("IDRP API reference").WithOpenApiRoutePattern("/openapi/{documentName}.json"))
            .AllowAnonymous();

        app.MapStaticAssets().AllowAnonymous();
        app.MapRazorComponents<Ui.App>();
        app.MapPost("/logout", async (SignInManager<Infrastructure.Persistence.Account> signIn) =>
        {
            await signIn.SignOutAsync();
            return Results.LocalRedirect("/");
        }).ExcludeFromDescription();

        var api = app.MapGroup("/api/v1")
            .AddEndpointFilter<ValidationFilter>()
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(app.Configuration.GetValue("MaxJsonBodyBytes", 1_048_576L)))
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);
        api.MapIdrpFeatures();
        return app;
    }
}
