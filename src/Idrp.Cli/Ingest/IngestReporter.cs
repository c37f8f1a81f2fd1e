using System.Globalization;
using Idrp.Cli.Api;
using Spectre.Console;

namespace Idrp.Cli.Ingest;

/// <summary>How ingest tells a person what it is doing: progress bars on a terminal, one line per event otherwise.</summary>
internal abstract class IngestReporter
{
    /// <summary>A file's upload starts (at <paramref name="offset"/> when resumed); the result takes byte counts.</summary>
    public abstract IProgress<long> Uploading(string path, long length, long offset);

    /// <summary>A batch of small files is sent (one request); the result takes byte counts.</summary>
    public abstract IProgress<long> UploadingBatch(int files, long bytes);

    public abstract void Finished(IngestOutcome outcome);

    public virtual void Summary(string text) => Console.WriteLine(text);
}

/// <summary>One line per file event, for logs and pipes; failures go to stderr.</summary>
internal sealed class PlainReporter(TextWriter output) : IngestReporter
{
    public override IProgress<long> Uploading(string path, long length, long offset)
    {
        output.WriteLine(offset > 0 ? $"resuming {Problem.Printable(path)} at {offset} of {length} bytes" : $"uploading {Problem.Printable(path)} ({length} bytes)");
        return new Progress<long>();
    }

    public override IProgress<long> UploadingBatch(int files, long bytes)
    {
        output.WriteLine(files == 1 ? $"uploading 1 small file ({bytes} bytes)" : $"uploading {files} small files in one request ({bytes} bytes)");
        return new Progress<long>();
    }

    public override void Finished(IngestOutcome outcome)
    {
        if (outcome.Status == IngestStatus.Failed)
        {
            Console.Error.WriteLine($"idrp: {Problem.Printable(outcome.Path)}: {outcome.Error}");
        }
        else
        {
            output.WriteLine($"{outcome.Status.ToString().ToLowerInvariant()} {Problem.Printable(outcome.Path)}");
        }
    }

    public override void Summary(string text) => output.WriteLine(text);
}

/// <summary>Spectre progress bars with rate and ETA, one per file being uploaded.</summary>
internal sealed class ProgressBarReporter(ProgressContext context) : IngestReporter
{
    public override IProgress<long> Uploading(string path, long length, long offset)
    {
        var task = context.AddTask(Markup.Escape(Problem.Printable(path)), maxValue: Math.Max(length, 1));
        task.Value = offset;
        return new TaskProgress(task, length);
    }

    public override IProgress<long> UploadingBatch(int files, long bytes)
    {
        var task = context.AddTask($"{files} small files", maxValue: Math.Max(bytes, 1));
        return new TaskProgress(task, bytes);
    }

    public override void Finished(IngestOutcome outcome)
    {
        var line = outcome.Status == IngestStatus.Failed
            ? $"[red]failed[/] {Markup.Escape(Problem.Printable(outcome.Path))}: {Markup.Escape(outcome.Error ?? "")}"
            : $"[green]{outcome.Status.ToString().ToLowerInvariant()}[/] {Markup.Escape(Problem.Printable(outcome.Path))}";
        AnsiConsole.MarkupLine(line);
    }

    public override void Summary(string text) => AnsiConsole.WriteLine(text);

    private sealed class TaskProgress(ProgressTask task, long length) : IProgress<long>
    {
        public void Report(long value)
        {
            task.Increment(value);
            if (task.Value >= length)
            {
                task.Value = task.MaxValue;
                task.StopTask();
            }
        }
    }
}

/// <summary>
/// For <c>idrp watch</c>, which runs for days into a log: one line per file when it is done, with the local
/// time; failures go to stderr.
/// </summary>
internal sealed class WatchReporter(TextWriter output, TimeProvider time) : IngestReporter
{
    public static string Now(TimeProvider time) => time.GetLocalNow().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    public override IProgress<long> Uploading(string path, long length, long offset) => new Progress<long>();

    public override IProgress<long> UploadingBatch(int files, long bytes) => new Progress<long>();

    public override void Finished(IngestOutcome outcome)
    {
        if (outcome.Status == IngestStatus.Failed)
        {
            Console.Error.WriteLine($"idrp: {Now(time)} {Problem.Printable(outcome.Path)}: {outcome.Error}");
        }
        else
        {
            output.WriteLine($"{Now(time)} {outcome.Status.ToString().ToLowerInvariant()} {Problem.Printable(outcome.Path)}");
        }
    }

    public override void Summary(string text) => output.WriteLine(text);
}
