using System.CommandLine;
using Idrp.Cli;
using Idrp.Cli.Commands;

var root = new RootCommand("idrp: the command-line client of an IDRP research data repository.")
{
    LoginCommand.Create(),
    ListCommands.CreateLs(),
    ListCommands.CreateShow(),
    IngestCommand.Create(),
    WatchCommand.Create(),
    DownloadCommand.Create(),
    FixityCommand.Create(),
    KmapCommand.Create(),
    SearchCommand.Create(),
    JobsCommands.Create(),
    SemCommands.Create(),
    StmCommands.Create(),
};

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors)
    {
        Console.Error.WriteLine("idrp: " + string.Join(' ', error.Message.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
    }

    return ExitCodes.Usage;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

try
{
    return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }, cancel.Token);
}
catch (CliException e)
{
    Console.Error.WriteLine("idrp: " + e.Message);
    return e.ExitCode;
}
catch (OperationCanceledException e) when (e.InnerException is TimeoutException)
{
    Console.Error.WriteLine("idrp: the server did not answer in time");
    return ExitCodes.Network;
}
catch (OperationCanceledException)
{
    // Ctrl-C, or SIGTERM cancelled by System.CommandLine's own handler: either way a clean stop.
    Console.Error.WriteLine("idrp: cancelled");
    return 130;
}
catch (IOException e)
{
    Console.Error.WriteLine("idrp: " + e.Message.ReplaceLineEndings(" "));
    return ExitCodes.General;
}
catch (UnauthorizedAccessException e)
{
    Console.Error.WriteLine("idrp: " + e.Message.ReplaceLineEndings(" "));
    return ExitCodes.General;
}
