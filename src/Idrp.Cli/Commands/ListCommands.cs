using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Idrp.Cli.Api;
using Spectre.Console;

namespace Idrp.Cli.Commands;

/// <summary><c>idrp ls</c> and <c>idrp show</c>: tables for people, JSON for scripts.</summary>
internal static class ListCommands
{
    /// <summary>For a terminal or a file, not for HTML: '+' and non-ASCII letters stay as they are.</summary>
    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The kinds of record, their API path and the columns a table shows.</summary>
    private static readonly Dictionary<string, (string Path, string[] Columns)> Kinds = new(StringComparer.Ordinal)
    {
        ["proposals"] = ("api/v1/proposals", ["id", "proposalNumber", "title", "startDate", "endDate"]),
        ["experiments"] = ("api/v1/experiments", ["id", "name", "proposalId", "startDate"]),
        ["measurements"] = ("api/v1/measurements", ["id", "measurementName", "technique", "visibility", "experimentId"]),
        ["assets"] = ("api/v1/data-assets", ["id", "relativePath", "dataAssetName", "dataSize", "storage", "state"]),
    };

    public static Option<bool> JsonOption() => new("--json") { Description = "Print the records as JSON instead of a table." };

    public static Command CreateLs()
    {
        var kind = new Argument<string>("kind") { Description = "proposals, experiments, measurements or assets.", DefaultValueFactory = _ => "proposals" };
        kind.AcceptOnlyFromAmong([.. Kinds.Keys]);
        var proposal = new Option<string>("--proposal") { Description = "Only those of this proposal (id or proposal number)." };
        var experiment = new Option<Guid?>("--experiment") { Description = "Only those of this experiment (id)." };
        var measurement = new Option<Guid?>("--measurement") { Description = "Only the data assets of this measurement (id)." };
        var json = JsonOption();
        var command = new Command("ls", "List records you may read, all pages.") { kind, proposal, experiment, measurement, json };
        command.SetAction(async (parse, ct) =>
        {
            var name = parse.GetValue(kind)!;
            var (path, columns) = Kinds[name];
            using var api = new IdrpApi(CliConfig.Load());
            var filters = new List<string>();
            if (parse.GetValue(proposal) is { } p)
            {
                filters.Add("proposalId=" + await Resolve.ProposalIdAsync(api, p, ct));
            }

            if (parse.GetValue(experiment) is { } e)
            {
                filters.Add("experimentId=" + e);
            }

            if (parse.GetValue(measurement) is { } m)
            {
                filters.Add("measurementId=" + m);
            }

            var items = await api.ListAllAsync(path + (filters.Count == 0 ? "" : "?" + string.Join('&', filters)), ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(new JsonArray([.. items.Select(i => (JsonNode)i.DeepClone())]).ToJsonString(Indented));
                return ExitCodes.Ok;
            }

            if (Console.IsOutputRedirected)
            {
                // Into a pipe or file: tab-separated lines, never wrapped at a guessed terminal width.
                Console.WriteLine(string.Join('\t', columns));
                foreach (var item in items)
                {
                    Console.WriteLine(string.Join('\t', columns.Select(c => Problem.Printable(item.Str(c)).Replace('\t', ' '))));
                }

                return ExitCodes.Ok;
            }

            var table = new Table().Border(TableBorder.Simple);
            foreach (var column in columns)
            {
                table.AddColumn(column);
            }

            foreach (var item in items)
            {
                table.AddRow([.. columns.Select(c => Markup.Escape(item.Str(c)))]);
            }

            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"[grey]{items.Count} {name}[/]");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command CreateShow()
    {
        var id = new Argument<Guid>("id") { Description = "The record's id." };
        var kind = new Option<string>("--kind") { Description = "measurement, asset, proposal or experiment.", DefaultValueFactory = _ => "measurement" };
        kind.AcceptOnlyFromAmong("measurement", "asset", "proposal", "experiment");
        var json = JsonOption();
        var command = new Command("show", "Show one record.") { id, kind, json };
        command.SetAction(async (parse, ct) =>
        {
            var path = Kinds[parse.GetValue(kind) + "s"].Path;
            using var api = new IdrpApi(CliConfig.Load());
            var record = await api.GetAsync($"{path}/{parse.GetValue(id)}", ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(record.ToJsonString(Indented));
                return ExitCodes.Ok;
            }

            if (Console.IsOutputRedirected)
            {
                foreach (var (key, value) in record)
                {
                    Console.WriteLine($"{key}\t{Problem.Printable(value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value?.ToJsonString() ?? "")}");
                }

                return ExitCodes.Ok;
            }

            var grid = new Grid().AddColumn().AddColumn();
            foreach (var (key, value) in record)
            {
                grid.AddRow(new Text(key, new Style(Color.Grey)), new Text(value switch
                {
                    null => "",
                    JsonValue v when v.TryGetValue<string>(out var s) => s,
                    _ => value.ToJsonString(),
                }));
            }

            AnsiConsole.Write(grid);
            return ExitCodes.Ok;
        });
        return command;
    }
}
