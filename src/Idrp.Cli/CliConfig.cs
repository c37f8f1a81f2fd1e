using System.Text.Json;

namespace Idrp.Cli;

/// <summary>The server and API token the CLI talks to, from <c>idrp login</c> or the IDRP_SERVER/IDRP_TOKEN variables.</summary>
internal sealed record CliConfig(string Server, string Token)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The environment wins over the config file, so that a script can point one run elsewhere.</summary>
    public static CliConfig Load()
    {
        var saved = File.Exists(CliPaths.ConfigFile) ? ReadFile() : null;
        var server = Environment.GetEnvironmentVariable("IDRP_SERVER") is { Length: > 0 } s ? s : saved?.Server;
        var token = Environment.GetEnvironmentVariable("IDRP_TOKEN") is { Length: > 0 } t ? t : saved?.Token;
        if (string.IsNullOrEmpty(server) || string.IsNullOrEmpty(token))
        {
            throw new CliException(ExitCodes.NotSignedIn, "Not signed in: run 'idrp login --server URL --token TOKEN' (or set IDRP_SERVER and IDRP_TOKEN).");
        }

        return new CliConfig(server, token);
    }

    public void Save()
    {
        CliPaths.CreatePrivateDirectory(CliPaths.ConfigDirectory);
        CliPaths.WritePrivateFile(CliPaths.ConfigFile, JsonSerializer.Serialize(this, Json));
    }

    private static CliConfig? ReadFile()
    {
        try
        {
            return JsonSerializer.Deserialize<CliConfig>(File.ReadAllText(CliPaths.ConfigFile), Json);
        }
        catch (JsonException e)
        {
            throw new CliException(ExitCodes.NotSignedIn, $"The config file {CliPaths.ConfigFile} is damaged ({e.Message}); run 'idrp login' again.");
        }
    }
}
