using System.Collections.Concurrent;
using System.CommandLine;
using System.Text.Json;
using Idrp.Cli.Api;
using Idrp.Cli.Ingest;
using Spectre.Console;

namespace Idrp.Cli.Commands;

internal static class IngestCommand
{
    public static Command Create()
    {
        var folder = new Argument<DirectoryInfo>("folder") { Description = "The folder to ingest; its sub-folders become the assets' relativePath." };
        var proposal = new Option<string>("--proposal") { Description = "The proposal (id or number); it must exist.", Required = true };
        var experiment = new Option<string>("--experiment") { Description = "The experiment (id, or a name: created when the proposal has none of that name).", Required = true };
        var measurement = new Option<string>("--measurement") { Description = "The measurement (id, or a name: created when the experiment has none of that name).", Required = true };
        var link = new Option<string>("--link") { Description = "Register the files in place, at BASE_URL + their relative path, instead of uploading them." };
        var parallel = new Option<int>("--parallel") { Description = "Files uploaded at the same time.", DefaultValueFactory = _ => 4 };
        var chunk = new Option<int>("--chunk-size") { Description = "Upload chunk size in MiB.", DefaultValueFactory = _ => 16 };
        var json = ListCommands.JsonOption();
        var command = new Command("ingest", "Upload a folder into a measurement, resumably; files already stored with the same SHA-256 are skipped.")
        {
            folder, proposal, experiment, measurement, link, parallel, chunk, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var directory = parse.GetValue(folder)!;
            if (!directory.Exists)
            {
                throw new CliException(ExitCodes.Usage, $"There is no folder {directory.FullName}.");
            }

            var degree = parse.GetValue(parallel);
            var chunkMiB = parse.GetValue(chunk);
            if (degree is < 1 or > 64 || chunkMiB is < 1 or > 1024)
            {
                throw new CliException(ExitCodes.Usage, "--parallel is 1-64 and --chunk-size 1-1024 (MiB).");
            }

            var linkBase = parse.GetValue(link);
            if (linkBase is not null && (!Uri.TryCreate(linkBase, UriKind.Absolute, out var linkUri) || (linkUri.Scheme != Uri.UriSchemeHttp && linkUri.Scheme != Uri.UriSchemeHttps)))
            {
                throw new CliException(ExitCodes.Usage, "--link takes an absolute http(s) URL.");
            }

            var asJson = parse.GetValue(json);
            using var api = new IdrpApi(CliConfig.Load());
            var proposalRecord = await Resolve.ProposalAsync(api, parse.GetValue(proposal)!, ct);
            var (experimentRecord, experimentCreated) = await Resolve.ExperimentAsync(api, proposalRecord.Id(), parse.GetValue(experiment)!, ct);
            var (measurementRecord, measurementCreated) = await Resolve.MeasurementAsync(api, experimentRecord.Id(), parse.GetValue(measurement)!, ct);
            var measurementId = measurementRecord.Id();
            if (!asJson)
            {
                Console.WriteLine($"{(experimentCreated ? "created" : "using")} experiment {experimentRecord.Str("name")} ({experimentRecord.Id()}), "
                    + $"{(measurementCreated ? "created" : "using")} measurement {measurementRecord.Str("measurementName")} ({measurementId})");
            }

            var files = Ingester.Walk(directory.FullName);
            using var state = IngestState.Open(api.BaseAddress, directory.FullName, measurementId);
            var outcomes = new ConcurrentBag<IngestOutcome>();

            async Task RunAsync(IngestReporter reporter)
            {
                var ingester = new Ingester(api, measurementId, state, new TusUploader(api, chunkMiB * 1024 * 1024), reporter, linkBase);
                await ingester.LoadExistingAsync(ct);
                var batches = new BatchUploader(api);
                try
                {
                    await Parallel.ForEachAsync(WorkItems(files, linkBase is null), new ParallelOptions { MaxDegreeOfParallelism = degree, CancellationToken = ct },
                        async (work, token) =>
                        {
                            if (work.Batch)
                            {
                                foreach (var outcome in await ingester.IngestBatchAsync(work.Files, batches, token))
                                {
                                    outcomes.Add(outcome);
                                }
                            }
                            else
                            {
                                outcomes.Add(await ingester.IngestAsync(work.Files[0], token));
                            }
                        });
                }
                finally
                {
                    state.Save();
                }
            }

            if (asJson)
            {
                await RunAsync(new PlainReporter(TextWriter.Null));
            }
            else if (!Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive)
            {
                await AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
                    .StartAsync(context => RunAsync(new ProgressBarReporter(context)));
            }
            else
            {
                await RunAsync(new PlainReporter(Console.Out));
            }

            var sorted = outcomes.OrderBy(o => o.Path, StringComparer.Ordinal).ToList();
            var failed = sorted.Where(o => o.Status == IngestStatus.Failed).ToList();
            if (asJson)
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    measurementId,
                    files = sorted.Select(o => new { path = o.Path, status = o.Status.ToString().ToLowerInvariant(), assetId = o.AssetId, error = o.Error }),
                }, new JsonSerializerOptions(ListCommands.Indented) { PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
            }
            else
            {
                var counts = sorted.GroupBy(o => o.Status).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}");
                Console.WriteLine($"{files.Count} files: {string.Join(", ", counts)}");
            }

            return failed.Count == 0 ? ExitCodes.Ok : failed[0].ExitCode;
        });
        return command;
    }

    /// <summary>
    /// Small files go many to a request (batch uploads: one commit on the server for all of them); large files, and
    /// every file when linking, one by one (tus, resumable inside the file).
    /// </summary>
    private static IEnumerable<(bool Batch, IReadOnlyList<LocalFile> Files)> WorkItems(List<LocalFile> files, bool upload)
    {
        var sized = files.Select(f => (File: f, Size: SizeOf(f))).ToList();
        var small = sized.Where(f => upload && f.Size is >= 0 and <= BatchUploader.MaxFileBytes).ToList();
        foreach (var batch in BatchUploader.Cut(small))
        {
            yield return (true, batch);
        }

        foreach (var (file, _) in sized.Except(small))
        {
            yield return (false, [file]);
        }
    }

    /// <summary>The file's size, or -1 when it cannot be read now (the per-file path reports why).</summary>
    private static long SizeOf(LocalFile file)
    {
        try
        {
            return new FileInfo(file.FullPath).Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return -1;
        }
    }
}
