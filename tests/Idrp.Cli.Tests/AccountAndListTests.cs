using System.Text.Json.Nodes;
using Idrp.Testing;

namespace Idrp.Cli.Tests;

/// <summary><c>idrp login</c>, <c>ls</c>, <c>show</c> and the exit codes of failed sign-ins and lookups.</summary>
public sealed class AccountAndListTests(IdrpServer server) : IClassFixture<IdrpServer>
{
    [Fact]
    public async Task Login_keeps_the_token_in_a_private_config_file_and_ls_lists_every_page_as_json()
    {
        using var cli = new Cli();
        var (user, proposal) = await Setup.SignedInAsync(server, cli, "Lena");
        var config = Path.Combine(cli.ConfigHome, "idrp", "config.json");
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(config));
        }

        Assert.Contains(user.Token!, await File.ReadAllTextAsync(config, TestContext.Current.CancellationToken));

        var proposalId = proposal.Id();
        var experiments = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            experiments.Add((await user.CreateExperimentAsync(proposalId)).Id());
        }

        var ls = await cli.RunAsync("ls", "proposals", "--json");
        Assert.True(ls.ExitCode == 0, ls.ToString());
        var proposals = JsonNode.Parse(ls.Stdout)!.AsArray();
        Assert.Equal(proposal["proposalNumber"]!.GetValue<string>(), Assert.Single(proposals)!["proposalNumber"]!.GetValue<string>());

        var byNumber = await cli.RunAsync("ls", "experiments", "--proposal", proposal["proposalNumber"]!.GetValue<string>(), "--json");
        Assert.True(byNumber.ExitCode == 0, byNumber.ToString());
        Assert.Equal(experiments, JsonNode.Parse(byNumber.Stdout)!.AsArray().Select(e => e!.Id()));

        var show = await cli.RunAsync("show", proposalId.ToString(), "--kind", "proposal", "--json");
        Assert.Equal(proposalId, JsonNode.Parse(show.Stdout)!.Id());
        var table = await cli.RunAsync("ls", "experiments", "--proposal", proposalId.ToString());
        Assert.Contains(experiments[2].ToString(), table.Stdout);

        Assert.DoesNotContain(user.Token!, ls.Stdout + ls.Stderr + table.Stdout + show.Stdout);
    }

    [Fact]
    public async Task Commands_without_a_sign_in_exit_with_3_and_a_bad_token_is_refused_with_3()
    {
        using var cli = new Cli();
        var ls = await cli.RunAsync("ls", "--json");
        Assert.Equal(3, ls.ExitCode);
        Assert.Empty(ls.Stdout);
        Assert.Single(ls.Stderr.Trim().Split('\n'));

        var login = await cli.RunAsync("login", "--server", server.BaseAddress.ToString(), "--token", "idrp_not-a-real-token");
        Assert.Equal(3, login.ExitCode);
        Assert.Contains("Sign-in required", login.Stderr);
        Assert.DoesNotContain("idrp_not-a-real-token", login.Stdout + login.Stderr);
        Assert.False(File.Exists(Path.Combine(cli.ConfigHome, "idrp", "config.json")));
    }

    [Fact]
    public async Task An_unknown_measurement_exits_with_4_a_bad_option_with_2_and_an_unreachable_server_with_6()
    {
        using var cli = new Cli();
        await Setup.SignedInAsync(server, cli, "Mona");
        var unknown = Guid.CreateVersion7().ToString();

        var show = await cli.RunAsync("show", unknown, "--kind", "measurement");
        Assert.Equal(4, show.ExitCode);
        Assert.Contains(unknown, show.Stderr);
        Assert.Equal(4, (await cli.RunAsync("download", "--measurement", unknown, "-o", Path.Combine(cli.Home, "out"))).ExitCode);
        Assert.Equal(4, (await cli.RunAsync("ls", "assets", "--proposal", "NO-SUCH-PROPOSAL")).ExitCode);

        Assert.Equal(2, (await cli.RunAsync("ls", "samples-and-more")).ExitCode);
        Assert.Equal(2, (await cli.RunAsync("ingest", Path.Combine(cli.Home, "x"))).ExitCode);

        var closed = await cli.RunAsync("login", "--server", "http://127.0.0.1:9", "--token", "idrp_x");
        Assert.Equal(6, closed.ExitCode);
    }
}
