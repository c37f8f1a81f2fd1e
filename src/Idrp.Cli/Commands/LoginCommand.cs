using System.CommandLine;
using Idrp.Cli.Api;

namespace Idrp.Cli.Commands;

internal static class LoginCommand
{
    public static Command Create()
    {
        var server = new Option<string>("--server") { Description = "The server's base URL, e.g. https://idrp.facility.example (default: IDRP_SERVER)." };
        var token = new Option<string>("--token") { Description = "A personal API token (default: IDRP_TOKEN). Prefer the variable: options show up in process lists." };
        var command = new Command("login", "Check an API token against the server and keep both in the user's config file (mode 600).") { server, token };
        command.SetAction(async (parse, ct) =>
        {
            var url = parse.GetValue(server) ?? Environment.GetEnvironmentVariable("IDRP_SERVER");
            var secret = parse.GetValue(token) ?? Environment.GetEnvironmentVariable("IDRP_TOKEN");
            if (string.IsNullOrWhiteSpace(url) || string.IsNullOrWhiteSpace(secret))
            {
                throw new CliException(ExitCodes.Usage, "Give --server and --token (or set IDRP_SERVER and IDRP_TOKEN).");
            }

            var config = new CliConfig(url.TrimEnd('/'), secret.Trim());
            using var api = new IdrpApi(config);
            var account = await api.GetAsync("api/v1/account", ct);
            config.Save();
            var person = account["person"] as System.Text.Json.Nodes.JsonObject;
            Console.WriteLine($"Signed in to {config.Server} as {account.Str("userName")} ({person?.Str("displayName")}); saved in {CliPaths.ConfigFile}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
