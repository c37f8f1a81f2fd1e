using System.CommandLine;
using System.Text.Json.Nodes;
using Idrp.Cli.Api;
using Spectre.Console;

namespace Idrp.Cli.Commands;

/// <summary><c>idrp search</c>: the server's search (GET /api/v1/search) as a table, tab-separated lines or JSON.</summary>
internal static class SearchCommand
{
    private static readonly string[] Columns = ["id", "measurementName", "technique", "visibility", "dateOfCollection"];

    private static readonly string[] FacetNames = ["facility", "instrument", "technique", "proposal", "category", "year", "licence", "visibility"];

    public static Command Create()
    {
        var text = new Argument<string[]>("text") { Description = "Words to find; every word must occur.", Arity = ArgumentArity.ZeroOrMore };
        var facet = new Option<string[]>("--facet") { Description = "Show the counts of this facet (" + string.Join(", ", FacetNames) + "); repeat for several.", AllowMultipleArgumentsPerToken = false };
        facet.AcceptOnlyFromAmong(FacetNames);
        var filter = new Option<string[]>("--filter") { Description = "A numeric setting filter such as 'EHT>5kV' or 'WD<=4.5mm'; repeat for several (all must hold)." };
        var where = new Option<string[]>("--where") { Description = "Only results with this facet value, e.g. technique=SEM or year=2018; repeat (values of one facet are alternatives)." };
        var from = new Option<string>("--from") { Description = "Collected on or after (2018, 2018-05, 2018-05-17)." };
        var to = new Option<string>("--to") { Description = "Collected on or before (2018, 2018-05, 2018-05-17)." };
        var sort = new Option<string>("--sort") { Description = "relevance (default with text), newest, oldest or name." };
        sort.AcceptOnlyFromAmong("relevance", "newest", "oldest", "name");
        var limit = new Option<int>("--limit") { Description = "Results to show, 1 to 100.", DefaultValueFactory = _ => 20 };
        var offset = new Option<int>("--offset") { Description = "Results to skip.", DefaultValueFactory = _ => 0 };
        var json = ListCommands.JsonOption();
        json.Description = "Print the server's whole answer (total, items, facets) as JSON.";
        var command = new Command("search", "Search the measurements you may read by text, facets and setting filters.")
        {
            text, facet, filter, where, from, to, sort, limit, offset, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var query = new List<string>();
            void Add(string name, string value) => query.Add(name + "=" + Uri.EscapeDataString(value));
            if (parse.GetValue(text) is { Length: > 0 } words)
            {
                Add("q", string.Join(' ', words));
            }

            foreach (var f in parse.GetValue(filter) ?? [])
            {
                Add("filter", f);
            }

            foreach (var w in parse.GetValue(where) ?? [])
            {
                var equals = w.IndexOf('=', StringComparison.Ordinal);
                var name = equals > 0 ? w[..equals].Trim().ToLowerInvariant() : "";
                if (!FacetNames.Contains(name) || equals == w.Length - 1)
                {
                    throw new CliException(ExitCodes.Usage, $"--where '{w}' is not FACET=VALUE with FACET one of {string.Join(", ", FacetNames)}.");
                }

                Add(name, w[(equals + 1)..].Trim());
            }

            if (parse.GetValue(from) is { } f1)
            {
                Add("from", f1);
            }

            if (parse.GetValue(to) is { } t1)
            {
                Add("to", t1);
            }

            if (parse.GetValue(sort) is { } s1)
            {
                Add("sort", s1);
            }

            var facets = (parse.GetValue(facet) ?? []).Distinct(StringComparer.Ordinal).ToList();
            var asJson = parse.GetValue(json);
            Add("facets", asJson && facets.Count == 0 ? "all" : facets.Count == 0 ? "none" : string.Join(',', facets));
            Add("limit", parse.GetValue(limit).ToString(System.Globalization.CultureInfo.InvariantCulture));
            Add("offset", parse.GetValue(offset).ToString(System.Globalization.CultureInfo.InvariantCulture));

            using var api = new IdrpApi(CliConfig.Load());
            using var response = await api.SendAsync(new HttpRequestMessage(HttpMethod.Get, "api/v1/search?" + string.Join('&', query)), ct);
            if ((int)response.StatusCode == 422)
            {
                // The server refused the query as written: a usage error, like a bad option.
                var problem = await IdrpApi.ReadProblemAsync(response, ct);
                throw new CliException(ExitCodes.Usage, problem.Describe(422));
            }

            await IdrpApi.ThrowIfFailedAsync(response, ct);
            var result = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!.AsObject();
            if (asJson)
            {
                Console.WriteLine(result.ToJsonString(ListCommands.Indented));
                return ExitCodes.Ok;
            }

            var items = result["items"]!.AsArray().Select(i => i!.AsObject()).ToList();
            // "10000+" when the server stopped counting (more matches than its count limit).
            var total = result["total"]!.GetValue<int>() + (result["capped"]?.GetValue<bool>() == true ? "+" : "");
            if (Console.IsOutputRedirected)
            {
                Console.WriteLine(string.Join('\t', Columns));
                foreach (var item in items)
                {
                    Console.WriteLine(string.Join('\t', Columns.Select(c => Problem.Printable(item.Str(c)).Replace('\t', ' '))));
                }

                foreach (var name in facets)
                {
                    foreach (var value in result["facets"]![name]!.AsArray())
                    {
                        Console.WriteLine($"# facet\t{name}\t{Problem.Printable(value!["value"]!.GetValue<string>())}\t{value["count"]}\t{Problem.Printable(value["label"]!.GetValue<string>())}");
                    }
                }

                Console.WriteLine($"# {items.Count} of {total}");
                return ExitCodes.Ok;
            }

            var table = new Table().Border(TableBorder.Simple);
            foreach (var column in Columns)
            {
                table.AddColumn(column);
            }

            foreach (var item in items)
            {
                table.AddRow([.. Columns.Select(c => Markup.Escape(item.Str(c)))]);
            }

            AnsiConsole.Write(table);
            foreach (var name in facets)
            {
                var values = result["facets"]![name]!.AsArray().Select(v => $"{Markup.Escape(v!["label"]!.GetValue<string>())} [grey]({v["count"]})[/]");
                AnsiConsole.MarkupLine($"[bold]{name}[/]: {string.Join(", ", values)}");
            }

            AnsiConsole.MarkupLine($"[grey]{items.Count} of {total} measurements[/]");
            return ExitCodes.Ok;
        });
        return command;
    }
}
