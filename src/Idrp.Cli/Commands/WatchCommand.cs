using System.CommandLine;
using Idrp.Cli.Api;
using Idrp.Cli.Ingest;

namespace Idrp.Cli.Commands;

internal static class WatchCommand
{
    private const int InterruptedExitCode = 130;

    public static Command Create()
    {
        var folder = new Argument<DirectoryInfo>("folder") { Description = "The folder to watch; its sub-folders become the assets' relativePath." };
        var proposal = new Option<string>("--proposal") { Description = "The proposal (id or number); it must exist.", Required = true };
        var experiment = new Option<string>("--experiment") { Description = "The experiment (id, or a name: created when the proposal has none of that name).", Required = true };
        var measurement = new Option<string>("--measurement") { Description = "The measurement (id, or a name: created when the experiment has none of that name).", Required = true };
        var settle = new Option<double>("--settle") { Description = "Seconds a file's size and modification time must stay the same before it is ingested.", DefaultValueFactory = _ => 5 };
        var poll = new Option<double>("--poll") { Description = "Seconds between scans of the folder.", DefaultValueFactory = _ => 2 };
        var parallel = new Option<int>("--parallel") { Description = "Files uploaded at the same time.", DefaultValueFactory = _ => 4 };
        var once = new Option<bool>("--once") { Description = "Scan once, wait for those files to settle, ingest them and exit (for cron)." };
        var command = new Command("watch", "Ingest new files of a folder into a measurement once they stop growing; restarts upload nothing twice.")
        {
            folder, proposal, experiment, measurement, settle, poll, parallel, once,
        };
        command.SetAction(async (parse, ct) =>
        {
            var directory = parse.GetValue(folder)!;
            if (!directory.Exists)
            {
                throw new CliException(ExitCodes.Usage, $"There is no folder {directory.FullName}.");
            }

            var settleSeconds = parse.GetValue(settle);
            var pollSeconds = parse.GetValue(poll);
            var degree = parse.GetValue(parallel);
            if (settleSeconds is < 0 or > 86_400 || pollSeconds is < 0.05 or > 3_600 || degree is < 1 or > 64)
            {
                throw new CliException(ExitCodes.Usage, "--settle is 0-86400 and --poll 0.05-3600 (seconds), --parallel 1-64.");
            }

            using var api = new IdrpApi(CliConfig.Load());
            var proposalRecord = await Resolve.ProposalAsync(api, parse.GetValue(proposal)!, ct);
            var (experimentRecord, experimentCreated) = await Resolve.ExperimentAsync(api, proposalRecord.Id(), parse.GetValue(experiment)!, ct);
            var (measurementRecord, measurementCreated) = await Resolve.MeasurementAsync(api, experimentRecord.Id(), parse.GetValue(measurement)!, ct);
            var measurementId = measurementRecord.Id();
            Console.WriteLine($"{(experimentCreated ? "created" : "using")} experiment {experimentRecord.Str("name")} ({experimentRecord.Id()}), "
                + $"{(measurementCreated ? "created" : "using")} measurement {measurementRecord.Str("measurementName")} ({measurementId})");

            var time = TimeProvider.System;
            using var state = IngestState.Open(api.BaseAddress, directory.FullName, measurementId);
            var ingester = new Ingester(api, measurementId, state, new TusUploader(api, 16 * 1024 * 1024), new WatchReporter(Console.Out, time), linkBase: null);
            var watcher = new FolderWatcher(directory.FullName, ingester, state, TimeSpan.FromSeconds(settleSeconds), TimeSpan.FromSeconds(pollSeconds), degree, time);

            // System.CommandLine cancels ct on Ctrl-C and on SIGTERM (a service manager's stop) and gives the action 2 s
            // to return. Which signal it was is not told to the action, so both end the same way: state saved, exit 130.
            try
            {
                return await watcher.RunAsync(parse.GetValue(once), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                Console.WriteLine($"{WatchReporter.Now(time)} stopped; an unfinished upload resumes on the next run");
                return InterruptedExitCode;
            }
        });
        return command;
    }
}
