using System.Net;
using System.Text.Json.Nodes;
using Idrp.Testing;

namespace Idrp.Cli.Tests;

internal static class Setup
{
    /// <summary>A new user with a proposal, signed in to <paramref name="cli"/> by <c>idrp login</c>.</summary>
    public static async Task<(ApiClient User, JsonNode Proposal)> SignedInAsync(IdrpServer server, Cli cli, string name)
    {
        var user = await (await server.AdminAsync()).CreateUserAsync(name);
        var proposal = await user.CreateProposalAsync();
        var login = await cli.RunAsync("login", "--server", server.BaseAddress.ToString(), "--token", user.Token!);
        Assert.True(login.ExitCode == 0, login.ToString());
        return (user, proposal);
    }

    public static async Task<List<JsonNode>> AssetsAsync(ApiClient user, Guid measurementId)
    {
        var page = await (await user.GetAsync($"/api/v1/data-assets?measurementId={measurementId}&limit=500")).ReadJsonAsync(HttpStatusCode.OK);
        return [.. page["items"]!.AsArray().Select(a => a!)];
    }

    public static string Folder(Cli cli, string name)
    {
        var folder = Path.Combine(cli.Home, name);
        Directory.CreateDirectory(folder);
        return folder;
    }

    public static string Key(JsonNode asset) =>
        asset["relativePath"]!.GetValue<string>() is { Length: > 0 } folder ? folder + "/" + asset["dataAssetName"]!.GetValue<string>() : asset["dataAssetName"]!.GetValue<string>();
}
