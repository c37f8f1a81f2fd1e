using Idrp.Infrastructure.Persistence;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Idrp.Server.Hosting;

internal static class StartupBanner
{
    /// <summary>Once listening, says on the console where the platform is and how to get in.</summary>
    public static WebApplication PrintWhenStarted(this WebApplication app)
    {
        if (app.Environment.IsEnvironment("Testing"))
        {
            return app;
        }

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var url = addresses.FirstOrDefault()?.Replace("://[::]", "://localhost", StringComparison.Ordinal).Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal) ?? "(no address)";
            var database = app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.Provider;
            var data = Path.GetFullPath(app.Services.GetRequiredService<IOptions<IdrpOptions>>().Value.DataDirectory);
            var admin = app.Services.GetRequiredService<IOptions<AdminOptions>>().Value.UserName;
            Console.WriteLine($"""

              IDRP is running at {url}
                web UI         {url}/
                API reference  {url}/api/docs/
                health         {url}/health/ready
                database       {database}; data directory {data}
              Sign in as '{admin}' (the password was printed on first start, or set with Admin__Password).
              Press Ctrl+C to stop.

            """);
        });
        return app;
    }
}
