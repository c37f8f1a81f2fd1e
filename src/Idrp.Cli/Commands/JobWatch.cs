using System.Globalization;
using System.Text.Json.Nodes;
using Idrp.Cli.Api;
using Spectre.Console;

namespace Idrp.Cli.Commands;

/// <summary>
/// Follows one job: reads its state about once a second and its new log lines, shows them as they come (a progress bar
/// on a terminal, one line per change otherwise) and ends with the job's outcome as the exit code.
/// </summary>
internal static class JobWatch
{
    private const int InterruptedExitCode = 130;

    /// <summary>Consecutive polls the server may miss (a restart, a network blip) before the watch gives up.</summary>
    private const int MaxMissedPolls = 30;

    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>Follows the job to its end; log lines whose ids are in <paramref name="skipLines"/> are not shown.</summary>
    public static async Task<int> RunAsync(IdrpApi api, Guid id, IEnumerable<string> skipLines, CancellationToken ct)
    {
        var shown = new HashSet<string>(skipLines, StringComparer.Ordinal);
        JsonObject job;
        try
        {
            if (!Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive)
            {
                job = await AnsiConsole.Progress()
                    .AutoClear(false)
                    .Columns(new SpinnerColumn(), new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                    .StartAsync(context => FollowAsync(api, id, shown, new BarView(context), ct));
            }
            else
            {
                job = await FollowAsync(api, id, shown, new PlainView(Console.Out), ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Console.Error.WriteLine($"idrp: stopped watching; job {id} goes on ('idrp jobs watch {id}' to follow it again, 'idrp jobs cancel {id}' to stop it)");
            return InterruptedExitCode;
        }

        return Outcome(job);
    }

    /// <summary>Prints how the job ended; the exit code is 0 for succeeded, 7 for failed, 8 for cancelled.</summary>
    private static int Outcome(JsonObject job)
    {
        var id = job.Str("id");
        var attempts = job["attempts"]!.GetValue<int>();
        switch (job.Str("state"))
        {
            case "succeeded":
                var outputs = job["outputs"]!.AsArray().Select(o => o!.AsObject()).ToList();
                foreach (var output in outputs)
                {
                    Console.WriteLine($"output {output.Str("assetId")} {Problem.Printable(Ingest.Ingester.Key(output.Str("relativePath"), output.Str("name")))}");
                }

                Console.WriteLine($"job {id} succeeded after {attempts} attempt(s) with {outputs.Count} output(s); 'idrp jobs show {id}' for its result");
                return ExitCodes.Ok;
            case "failed":
                throw new CliException(ExitCodes.JobFailed, $"job {id} failed after {attempts} attempt(s): {Problem.OneLine(job.Str("error"))}");
            default:
                throw new CliException(ExitCodes.JobCancelled, $"job {id} was cancelled");
        }
    }

    private static async Task<JsonObject> FollowAsync(IdrpApi api, Guid id, HashSet<string> shown, IJobView view, CancellationToken ct)
    {
        Guid? cursor = null;
        var missed = 0;
        while (true)
        {
            JsonObject job;
            List<JsonObject> lines;
            try
            {
                job = await api.JobAsync(id, ct);
                lines = await api.JobLogAsync(id, cursor, ct);
                missed = 0;
            }
            catch (CliException e) when (e.ExitCode == ExitCodes.Network && ++missed < MaxMissedPolls)
            {
                if (missed == 1)
                {
                    view.Note($"lost the server ({e.Message}); trying again every second");
                }

                await Task.Delay(PollInterval, ct);
                continue;
            }

            foreach (var line in lines)
            {
                if (shown.Add(line.Str("id")))
                {
                    view.Log(line);
                }

                cursor = line.Id();
            }

            view.Update(job);
            if (job.Str("state") is "succeeded" or "failed" or "cancelled")
            {
                // Log lines are buffered by the worker and can land after lines written elsewhere (a cancel request)
                // with later ids, which the cursor has then passed: one last read of the whole log shows any such line.
                foreach (var line in await api.JobLogAsync(id, after: null, ct))
                {
                    if (shown.Add(line.Str("id")))
                    {
                        view.Log(line);
                    }
                }

                return job;
            }

            await Task.Delay(PollInterval, ct);
        }
    }

    private interface IJobView
    {
        void Update(JsonObject job);

        void Log(JsonObject line);

        void Note(string text);
    }

    /// <summary>For pipes and logs: a line whenever state, whole percent or message change, and each log line.</summary>
    private sealed class PlainView(TextWriter output) : IJobView
    {
        private string? _last;

        public void Update(JsonObject job)
        {
            var message = job.Str("progressMessage");
            var text = $"{job.Str("state")} {JobsCommands.Percent(job)}{(message.Length == 0 ? "" : ": " + Problem.Printable(message))}";
            if (job["cancelRequested"]?.GetValue<bool>() == true && job.Str("state") == "running")
            {
                text += " (cancel requested)";
            }

            if (text != _last)
            {
                output.WriteLine($"{Now()} {text}");
                _last = text;
            }
        }

        public void Log(JsonObject line) => output.WriteLine(JobsCommands.LogLine(line));

        public void Note(string text) => Console.Error.WriteLine($"idrp: {Problem.OneLine(text)}");

        private static string Now() => DateTimeOffset.Now.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
    }

    /// <summary>A Spectre progress bar for the job; log lines print above it.</summary>
    private sealed class BarView(ProgressContext context) : IJobView
    {
        private readonly ProgressTask _task = context.AddTask("waiting for the server", maxValue: 100);

        public void Update(JsonObject job)
        {
            var state = job.Str("state");
            var message = job.Str("progressMessage");
            _task.Description = Markup.Escape(Problem.Printable($"{job.Str("type")} {state}{(message.Length == 0 ? "" : ": " + message)}"));
            _task.IsIndeterminate = state == "queued";
            _task.Value = (job["progress"]?.GetValue<double>() ?? 0) * 100;
            if (state is "succeeded" or "failed" or "cancelled")
            {
                _task.StopTask();
            }

            context.Refresh();
        }

        public void Log(JsonObject line)
        {
            var color = line.Str("level") switch
            {
                "error" => "red",
                "warning" => "yellow",
                _ => "grey",
            };
            AnsiConsole.MarkupLine($"[{color}]{Markup.Escape(JobsCommands.LogLine(line))}[/]");
        }

        public void Note(string text) => AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(Problem.OneLine(text))}[/]");
    }
}
