using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Idrp.Cli.Api;
using Spectre.Console;

namespace Idrp.Cli.Commands;

/// <summary>
/// <c>idrp jobs</c>: the analysis jobs of the server (types, submit, watch, cancel, retry, ls, show, log). The server
/// runs them in its workers; the CLI only submits and follows, so stopping a watch never stops a job.
/// </summary>
internal static class JobsCommands
{
    private static readonly string[] States = ["queued", "running", "succeeded", "failed", "cancelled"];

    /// <summary>JSON on one line, with '+' and non-ASCII letters as they are.</summary>
    private static readonly JsonSerializerOptions Compact = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create() => new("jobs", "Run analysis jobs on the server and follow them.")
    {
        CreateTypes(), CreateSubmit(), CreateWatch(), CreateCancel(), CreateRetry(), CreateLs(), CreateShow(), CreateLog(),
    };

    private static Argument<Guid> JobIdArgument() => new("id") { Description = "The job's id." };

    private static Option<bool> WatchOption() => new("--watch") { Description = "Follow the job until it ends, as 'idrp jobs watch' does." };

    private static Command CreateTypes()
    {
        var json = ListCommands.JsonOption();
        var command = new Command("types", "List the job types the server runs, with their parameters.") { json };
        command.SetAction(async (parse, ct) =>
        {
            using var api = new IdrpApi(CliConfig.Load());
            var types = await api.JobTypesAsync(ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(types.ToJsonString(ListCommands.Indented));
                return ExitCodes.Ok;
            }

            foreach (var type in types.Select(t => t!.AsObject()))
            {
                Console.WriteLine($"{type.Str("name")} {type.Str("version")} (inputs: {type.Str("inputs")})");
                Console.WriteLine("  " + Problem.OneLine(type.Str("description")));
                var parameters = ParameterSummary(type["parametersSchema"] as JsonObject);
                Console.WriteLine(parameters.Count == 0 ? "  parameters: none" : "  parameters:");
                foreach (var line in parameters)
                {
                    Console.WriteLine("    " + line);
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateSubmit()
    {
        var type = new Argument<string>("type") { Description = "The job type (see 'idrp jobs types')." };
        var measurement = new Option<Guid>("--measurement") { Description = "The measurement the job works on and writes its outputs into (id).", Required = true };
        var input = new Option<Guid[]>("--input") { Description = "A data asset to work on (id); repeat for more. Default: all of the measurement's data." };
        var param = new Option<string[]>("--param") { Description = "A parameter as key=value; the value is read as JSON when it is JSON (3, 2.5, true, null, \"3\"), else as a string. Repeatable." };
        var paramsJson = new Option<string>("--params-json") { Description = "All parameters as one JSON object; --param values override its keys." };
        var watch = WatchOption();
        var json = ListCommands.JsonOption();
        json.Description = "Print the submitted job as JSON (not with --watch).";
        var command = new Command("submit", "Submit a job.") { type, measurement, input, param, paramsJson, watch, json };
        command.SetAction(async (parse, ct) =>
        {
            var parameters = ParseParameters(parse.GetValue(paramsJson), parse.GetValue(param) ?? []);
            if (parse.GetValue(watch) && parse.GetValue(json))
            {
                throw new CliException(ExitCodes.Usage, "--json and --watch do not go together; watch, then use 'idrp jobs show ID --json'.");
            }

            using var api = new IdrpApi(CliConfig.Load());
            var job = await api.SubmitJobAsync(parse.GetValue(type)!, parse.GetValue(measurement), parse.GetValue(input) ?? [], parameters, ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(job.ToJsonString(ListCommands.Indented));
                return ExitCodes.Ok;
            }

            Console.WriteLine($"submitted job {job.Str("id")}: {job.Str("type")} {job.Str("typeVersion")} on measurement {job.Str("measurementId")}, "
                + $"{job["inputs"]!.AsArray().Count} input(s), {job.Str("state")}");
            return parse.GetValue(watch) ? await JobWatch.RunAsync(api, job.Id(), [], ct) : ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateWatch()
    {
        var id = JobIdArgument();
        var command = new Command("watch", "Follow a job's progress and log until it ends; Ctrl-C stops watching, not the job.") { id };
        command.SetAction(async (parse, ct) =>
        {
            using var api = new IdrpApi(CliConfig.Load());
            return await JobWatch.RunAsync(api, parse.GetValue(id), [], ct);
        });
        return command;
    }

    private static Command CreateCancel()
    {
        var id = JobIdArgument();
        var command = new Command("cancel", "Cancel a queued or running job (yours, or any of a proposal you manage).") { id };
        command.SetAction(async (parse, ct) =>
        {
            using var api = new IdrpApi(CliConfig.Load());
            var job = await api.CancelJobAsync(parse.GetValue(id), ct);
            // A running job stops at its worker's next heartbeat, which may come before the server answers.
            Console.WriteLine(job.Str("state") != "cancelled" ? $"cancel requested for job {job.Str("id")} ({job.Str("state")}); it stops within seconds"
                : job["startedAt"] is null ? $"cancelled job {job.Str("id")} before it started"
                : $"cancelled job {job.Str("id")}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateRetry()
    {
        var id = JobIdArgument();
        var watch = WatchOption();
        var command = new Command("retry", "Run a failed or cancelled job again.") { id, watch };
        command.SetAction(async (parse, ct) =>
        {
            using var api = new IdrpApi(CliConfig.Load());
            // The earlier attempts' log is history here: the watch shows only what the retry adds.
            var earlier = parse.GetValue(watch) ? (await api.JobLogAsync(parse.GetValue(id), after: null, ct)).Select(l => l.Str("id")).ToList() : [];
            var job = await api.RetryJobAsync(parse.GetValue(id), ct);
            Console.WriteLine($"job {job.Str("id")} is {job.Str("state")} again (attempts so far {job.Str("attempts")}, allowed {job.Str("maxAttempts")})");
            return parse.GetValue(watch) ? await JobWatch.RunAsync(api, job.Id(), earlier, ct) : ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateLs()
    {
        var state = new Option<string>("--state") { Description = "Only jobs in this state." };
        state.AcceptOnlyFromAmong(States);
        var measurement = new Option<Guid?>("--measurement") { Description = "Only jobs on this measurement (id)." };
        var type = new Option<string>("--type") { Description = "Only jobs of this type." };
        var mine = new Option<bool>("--mine") { Description = "Only jobs you submitted (default: also those of your proposals)." };
        var json = ListCommands.JsonOption();
        var command = new Command("ls", "List the jobs you may see, oldest first, all pages.") { state, measurement, type, mine, json };
        command.SetAction(async (parse, ct) =>
        {
            var filters = new List<string>();
            if (parse.GetValue(state) is { } s)
            {
                // The server binds this query parameter with Enum.TryParse, which is case-sensitive: it takes "Succeeded"
                // although its JSON says "succeeded". Capitalised is what it accepts today and would still take if it ignored case.
                filters.Add("state=" + char.ToUpperInvariant(s[0]) + s[1..]);
            }

            if (parse.GetValue(measurement) is { } m)
            {
                filters.Add("measurementId=" + m);
            }

            if (parse.GetValue(type) is { } t)
            {
                filters.Add("type=" + Uri.EscapeDataString(t));
            }

            if (parse.GetValue(mine))
            {
                filters.Add("mine=true");
            }

            using var api = new IdrpApi(CliConfig.Load());
            var jobs = await api.ListAllAsync("api/v1/jobs" + (filters.Count == 0 ? "" : "?" + string.Join('&', filters)), ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(new JsonArray([.. jobs.Select(j => (JsonNode)j.DeepClone())]).ToJsonString(ListCommands.Indented));
                return ExitCodes.Ok;
            }

            string[] columns = ["id", "type", "state", "progress", "measurementId", "createdAt"];
            string[] Row(JsonObject job) => [job.Str("id"), job.Str("type"), job.Str("state"), Percent(job), job.Str("measurementId"), job.Str("createdAt")];
            if (Console.IsOutputRedirected)
            {
                Console.WriteLine(string.Join('\t', columns));
                foreach (var job in jobs)
                {
                    Console.WriteLine(string.Join('\t', Row(job)));
                }

                return ExitCodes.Ok;
            }

            var table = new Table().Border(TableBorder.Simple);
            foreach (var column in columns)
            {
                table.AddColumn(column);
            }

            foreach (var job in jobs)
            {
                table.AddRow([.. Row(job).Select(Markup.Escape)]);
            }

            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"[grey]{jobs.Count} jobs[/]");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateShow()
    {
        var id = JobIdArgument();
        var json = ListCommands.JsonOption();
        json.Description = "Print the job as JSON, exactly as the API returns it.";
        var command = new Command("show", "Show one job: state, progress, attempts, outputs and result.") { id, json };
        command.SetAction(async (parse, ct) =>
        {
            using var api = new IdrpApi(CliConfig.Load());
            var job = await api.JobAsync(parse.GetValue(id), ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(job.ToJsonString(ListCommands.Indented));
                return ExitCodes.Ok;
            }

            var rows = ShowRows(job);
            if (Console.IsOutputRedirected)
            {
                foreach (var (key, value) in rows)
                {
                    Console.WriteLine($"{key}\t{Problem.Printable(value)}");
                }

                return ExitCodes.Ok;
            }

            var grid = new Grid().AddColumn().AddColumn();
            foreach (var (key, value) in rows)
            {
                grid.AddRow(new Text(key, new Style(Color.Grey)), new Text(Problem.Printable(value)));
            }

            AnsiConsole.Write(grid);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateLog()
    {
        var id = JobIdArgument();
        var json = ListCommands.JsonOption();
        json.Description = "Print the log lines as JSON.";
        var command = new Command("log", "Print a job's log, oldest line first.") { id, json };
        command.SetAction(async (parse, ct) =>
        {
            using var api = new IdrpApi(CliConfig.Load());
            var lines = await api.JobLogAsync(parse.GetValue(id), after: null, ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(new JsonArray([.. lines.Select(l => (JsonNode)l.DeepClone())]).ToJsonString(ListCommands.Indented));
                return ExitCodes.Ok;
            }

            foreach (var line in lines)
            {
                Console.WriteLine(LogLine(line));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// The parameters to send: <paramref name="json"/> (an object) with each key=value of <paramref name="pairs"/> set on top.
    /// A value is JSON when it parses as JSON (numbers, booleans, null, quoted strings, arrays, objects), else a string.
    /// </summary>
    internal static JsonObject ParseParameters(string? json, IReadOnlyList<string> pairs)
    {
        JsonObject parameters;
        if (json is null)
        {
            parameters = [];
        }
        else
        {
            try
            {
                parameters = JsonNode.Parse(json) as JsonObject
                    ?? throw new CliException(ExitCodes.Usage, "--params-json must be a JSON object, such as '{\"size\": 256}'.");
            }
            catch (JsonException e)
            {
                throw new CliException(ExitCodes.Usage, "--params-json is not valid JSON: " + Problem.OneLine(e.Message));
            }
        }

        var given = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new CliException(ExitCodes.Usage, $"--param '{Problem.Printable(pair)}' is not key=value.");
            }

            var key = pair[..equals];
            if (!given.Add(key))
            {
                throw new CliException(ExitCodes.Usage, $"--param {Problem.Printable(key)} is given twice.");
            }

            parameters[key] = ParseValue(pair[(equals + 1)..]);
        }

        return parameters;
    }

    private static JsonNode? ParseValue(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return JsonValue.Create(text);
        }
    }

    /// <summary>One line per parameter of a JSON schema: "name: type, required, 1 to 100: description".</summary>
    internal static List<string> ParameterSummary(JsonObject? schema)
    {
        var lines = new List<string>();
        if (schema?["properties"] is not JsonObject properties)
        {
            return lines;
        }

        var required = schema["required"] is JsonArray r ? r.Select(n => n!.GetValue<string>()).ToHashSet(StringComparer.Ordinal) : [];
        foreach (var (name, node) in properties)
        {
            if (node is not JsonObject property)
            {
                continue;
            }

            var facts = new List<string>();
            if (property["enum"] is JsonArray values)
            {
                facts.Add("one of " + string.Join(", ", values.Select(v => v?.ToJsonString() ?? "null")));
            }
            else if (property["type"] is { } type)
            {
                facts.Add(type is JsonArray types ? string.Join(" or ", types.Select(t => t!.GetValue<string>())) : type.GetValue<string>());
            }

            if (required.Contains(name))
            {
                facts.Add("required");
            }

            if (property["minimum"] is { } min && property["maximum"] is { } max)
            {
                facts.Add($"{min.ToJsonString()} to {max.ToJsonString()}");
            }

            if (property["default"] is { } defaultValue)
            {
                facts.Add("default " + defaultValue.ToJsonString());
            }

            var description = property.Str("description");
            lines.Add($"{name}: {string.Join(", ", facts)}{(description.Length == 0 ? "" : ": " + Problem.OneLine(description))}");
        }

        return lines;
    }

    private static List<(string Key, string Value)> ShowRows(JsonObject job)
    {
        var rows = new List<(string, string)>
        {
            ("id", job.Str("id")),
            ("type", $"{job.Str("type")} {job.Str("typeVersion")}"),
            ("state", job.Str("state") + (job["cancelRequested"]?.GetValue<bool>() == true && job.Str("state") == "running" ? " (cancel requested)" : "")),
            ("progress", $"{Percent(job)} {job.Str("progressMessage")}".TrimEnd()),
            ("measurement", job.Str("measurementId")),
            ("proposal", job.Str("proposalId")),
            ("owner", job.Str("ownerId")),
            ("inputs", string.Join(' ', job["inputs"]!.AsArray().Select(i => i!.GetValue<string>()))),
            ("parameters", job["parameters"]?.ToJsonString(Compact) ?? "{}"),
            ("attempts", $"{job.Str("attempts")} of {job.Str("maxAttempts")}"),
            ("worker", job.Str("worker")),
            ("created", job.Str("createdAt")),
            ("started", job.Str("startedAt")),
            ("finished", job.Str("finishedAt")),
        };
        if (job.Str("error") is { Length: > 0 } error)
        {
            rows.Add(("error", Problem.OneLine(error)));
        }

        foreach (var output in job["outputs"]!.AsArray().Select(o => o!.AsObject()))
        {
            rows.Add(("output", $"{output.Str("assetId")} {Ingest.Ingester.Key(output.Str("relativePath"), output.Str("name"))}"));
        }

        if (job["result"] is { } result)
        {
            rows.Add(("result", result.ToJsonString(Compact)));
        }

        return rows;
    }

    internal static string Percent(JsonObject job) =>
        ((int)Math.Floor((job["progress"]?.GetValue<double>() ?? 0) * 100)).ToString(CultureInfo.InvariantCulture) + "%";

    /// <summary>"2026-11-24 08:51:03 attempt 1 info: Started on host-1." with the local time.</summary>
    internal static string LogLine(JsonObject line) =>
        $"{LocalTime(line.Str("at"))} attempt {line.Str("attempt")} {line.Str("level")}: {Problem.Printable(line.Str("message"))}";

    internal static string LocalTime(string iso) =>
        DateTimeOffset.TryParse(iso, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at)
            ? at.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)
            : iso;
}
