using System.CommandLine;
using System.Text.Json.Nodes;
using Idrp.Cli.Api;

namespace Idrp.Cli.Commands;

/// <summary>
/// <c>idrp fixity</c>: asks the server to re-read every complete asset of a measurement (stored and linked) and
/// prints the assets that are not ok. The exit code says whether everything verified, for scripts and cron.
/// </summary>
internal static class FixityCommand
{
    public static Command Create()
    {
        var measurement = new Option<Guid>("--measurement") { Description = "The measurement whose data to verify (id).", Required = true };
        var json = ListCommands.JsonOption();
        json.Description = "Print the server's whole report as JSON instead.";
        var command = new Command("fixity", "Re-verify the checksums of a measurement's stored and linked data on the server.") { measurement, json };
        command.SetAction(async (parse, ct) =>
        {
            using var api = new IdrpApi(CliConfig.Load());
            var report = await api.PostAsync($"api/v1/measurements/{parse.GetValue(measurement)}/fixity", new { }, ct);
            var counts = report["counts"]!.AsObject();
            int Count(string name) => counts[name]!.GetValue<int>();

            if (parse.GetValue(json))
            {
                Console.WriteLine(report.ToJsonString(ListCommands.Indented));
            }
            else
            {
                foreach (var asset in report["assets"]!.AsArray().Select(a => a!.AsObject()).Where(a => a.Str("status") != "ok"))
                {
                    Console.WriteLine(Line(asset));
                }

                Console.WriteLine($"{Count("checked")} checked: {Count("ok")} ok, {Count("mismatch")} mismatch, {Count("missing")} missing, {Count("unverifiable")} unverifiable");
            }

            return Count("mismatch") + Count("missing") > 0 ? ExitCodes.Conflict
                : Count("unverifiable") > 0 ? ExitCodes.Network
                : ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>"mismatch raw/frames.h5 01a2…: The checksum differs. expected sha256:…, actual sha256:…" on one line.</summary>
    private static string Line(JsonObject asset)
    {
        var line = $"{asset.Str("status")} {Problem.Printable(Ingest.Ingester.Key(asset.Str("relativePath"), asset.Str("name")))} {asset.Str("assetId")}";
        if (asset.Str("reason") is { Length: > 0 } reason)
        {
            line += ": " + Problem.OneLine(reason);
        }

        if (asset.Str("status") == "mismatch")
        {
            line += $" expected {asset.Str("expected")} ({asset.Str("expectedSize")} bytes), actual {asset.Str("actual")} ({asset.Str("size")} bytes)";
        }

        return line;
    }
}
