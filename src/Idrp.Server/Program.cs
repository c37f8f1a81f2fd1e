using System.Globalization;
using Idrp.Server.Hosting;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.DefaultThreadCurrentUICulture = CultureInfo.InvariantCulture;

// appsettings.json and the web root sit beside the binary; the working directory only anchors DataDirectory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

// Serves the UI's framework scripts from the build output when run from source (dotnet run); a no-op once published.
builder.WebHost.UseStaticWebAssets();

// Large uploads arrive as a stream of full socket reads: give each read its buffer at once instead of first waiting
// for data with a zero-byte read (the default, which saves memory on idle connections at one system call per read).
builder.WebHost.UseSockets(o => o.WaitForDataBeforeAllocatingBuffer = false);
// Each read takes up to one buffer block: 64 KiB blocks instead of 4 KiB (see LargeBlockMemoryPool).
builder.Services.AddSingleton<Microsoft.AspNetCore.Connections.IMemoryPoolFactory<byte>, LargeBlockMemoryPoolFactory>();
builder.AddIdrpServer();

var app = builder.Build();
app.UseIdrpPipeline();
app.MapIdrpEndpoints();
app.PrintWhenStarted();
await app.RunAsync();

/// <summary>The entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
