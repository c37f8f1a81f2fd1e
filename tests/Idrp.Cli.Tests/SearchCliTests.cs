using System.Text.Json.Nodes;
using Idrp.Testing;

namespace Idrp.Cli.Tests;

/// <summary><c>idrp search</c> as a separate process against a real server.</summary>
public sealed class SearchCliTests(IdrpServer server) : IClassFixture<IdrpServer>
{
    [Fact]
    public async Task Search_finds_by_text_facet_value_and_setting_filter_and_prints_json_lines_or_a_usage_error()
    {
        using var cli = new Cli();
        var (user, proposal) = await Setup.SignedInAsync(server, cli, "Searcher");
        var word = "cliword" + Guid.NewGuid().ToString("N")[..6].Replace('0', 'x').Replace('1', 'y');
        var experiment = (await user.CreateExperimentAsync(proposal.Id())).Id();
        var ids = new Dictionary<string, Guid>();
        foreach (var (name, technique, eht) in new[] { ("low", "SEM", 3.0), ("high", "SEM", 15.0), ("stm", "STM", 0.0) })
        {
            var created = await (await user.PostAsync("/api/v1/measurements", new
            {
                experimentId = experiment,
                measurementName = $"{word} {name}",
                technique,
                settings = new object[] { new { key = "EHT", value = eht, unit = "kV" } },
            })).ReadJsonAsync(System.Net.HttpStatusCode.Created);
            ids[name] = created.Id();
        }

        var json = await cli.RunAsync("search", word, "--filter", "EHT>5000V", "--json");
        Assert.True(json.ExitCode == 0, json.ToString());
        var result = JsonNode.Parse(json.Stdout)!;
        Assert.Equal(1, result["total"]!.GetValue<int>());
        Assert.Equal(ids["high"], result["items"]![0]!.Id());

        var lines = await cli.RunAsync("search", word, "--where", "technique=SEM", "--facet", "technique", "--sort", "name");
        Assert.True(lines.ExitCode == 0, lines.ToString());
        var rows = lines.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("id\tmeasurementName\ttechnique\tvisibility\tdateOfCollection", rows[0]);
        Assert.StartsWith(ids["high"] + "\t", rows[1], StringComparison.Ordinal);
        Assert.StartsWith(ids["low"] + "\t", rows[2], StringComparison.Ordinal);
        Assert.Equal("# facet\ttechnique\tSEM\t2\tSEM", rows[3]);
        Assert.Equal("# 2 of 2", rows[4]);

        var facets = await cli.RunAsync("search", word, "--facet", "technique", "--limit", "1");
        Assert.Contains("# facet\ttechnique\tSEM\t2\tSEM", facets.Stdout, StringComparison.Ordinal);
        Assert.Contains("# facet\ttechnique\tSTM\t1\tSTM", facets.Stdout, StringComparison.Ordinal);
        Assert.Contains("# 1 of 3", facets.Stdout, StringComparison.Ordinal);

        var bad = await cli.RunAsync("search", word, "--filter", "EHT>>5");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("filter", bad.Stderr, StringComparison.Ordinal);
        Assert.Empty(bad.Stdout);
        Assert.Equal(2, (await cli.RunAsync("search", "--where", "colour=blue")).ExitCode);
        Assert.Equal(2, (await cli.RunAsync("search", "--facet", "colour")).ExitCode);
    }
}
