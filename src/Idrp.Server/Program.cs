using System.Globalization;
using Idrp.Server.Hosting;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.DefaultThreadCurrentUICulture = CultureInfo.InvariantCulture;

var builder = WebApplication.CreateBuilder(args);

// Serves the UI's framework scripts from the build output when run from source (dotnet run); a no-op once published.
builder.WebHost.UseStaticWebAssets();
builder.AddIdrpServer();

var app = builder.Build();
app.UseIdrpPipeline();
app.MapIdrpEndpoints();
app.PrintWhenStarted();
await app.RunAsync();

/// <summary>The entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
