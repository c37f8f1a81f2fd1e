using System.Diagnostics;

namespace Idrp.Bench.Api;

/// <summary>A request that did not get the answer it should have.</summary>
internal sealed class BenchRequestException(string message) : Exception(message);

/// <summary>What one worker of a phase sees: its index, its random numbers and where its latencies go.</summary>
internal sealed class Worker(int index, int seriesCount)
{
    private readonly List<double>[] _latencies = Enumerable.Range(0, seriesCount).Select(_ => new List<double>(1024)).ToArray();

    public int Index { get; } = index;

    public Random Random { get; } = new(1000 + index);

    internal IReadOnlyList<List<double>> Latencies => _latencies;

    /// <summary>Records the time from <paramref name="startTimestamp"/> (a <see cref="Stopwatch"/> timestamp) until now.</summary>
    public void Record(int series, long startTimestamp) =>
        _latencies[series].Add(Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds);
}

/// <summary>Latency percentiles of one kind of request, in milliseconds.</summary>
internal sealed record Latency(long Count, double P50, double P95, double P99, double Max)
{
    public static Latency Of(IEnumerable<double> samples)
    {
        var sorted = samples.ToArray();
        Array.Sort(sorted);
        return sorted.Length == 0
            ? new Latency(0, double.NaN, double.NaN, double.NaN, double.NaN)
            : new Latency(sorted.Length, Rank(sorted, 0.50), Rank(sorted, 0.95), Rank(sorted, 0.99), sorted[^1]);
    }

    // Nearest rank: the smallest sample with at least p of all samples at or below it.
    private static double Rank(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}

internal sealed record PhaseResult(long Operations, long Errors, string? FirstError, TimeSpan Elapsed, IReadOnlyList<Latency> Latencies, CpuUse Cpu)
{
    public double OperationsPerSecond => Operations / Elapsed.TotalSeconds;
}

/// <summary>
/// Runs one operation from <c>concurrency</c> workers, each in a closed loop (next request when the last one is
/// answered), until <c>maxOperations</c> have started or <c>maxDuration</c> has passed, whichever comes first.
/// </summary>
internal static class LoadRunner
{
    /// <summary>A phase with more failed operations than this stops early: the figures would mean nothing.</summary>
    private const int MaxErrors = 20;

    public static async Task<PhaseResult> RunAsync(
        int concurrency, long maxOperations, TimeSpan maxDuration, int seriesCount, CpuMeter cpu,
        Func<Worker, long, CancellationToken, Task> operation, CancellationToken cancellationToken)
    {
        long next = -1, completed = 0, errors = 0;
        string? firstError = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var workers = Enumerable.Range(0, concurrency).Select(i => new Worker(i, seriesCount)).ToArray();

        cpu.Start();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(workers.Select(worker => Task.Run(async () =>
        {
            long index;
            while (!stop.IsCancellationRequested && clock.Elapsed < maxDuration && (index = Interlocked.Increment(ref next)) < maxOperations)
            {
                try
                {
                    await operation(worker, index, stop.Token);
                    Interlocked.Increment(ref completed);
                }
                catch (Exception e) when (e is BenchRequestException or HttpRequestException or TaskCanceledException && !stop.IsCancellationRequested)
                {
                    Interlocked.CompareExchange(ref firstError, $"{e.GetType().Name}: {e.Message}", null);
                    if (Interlocked.Increment(ref errors) > MaxErrors)
                    {
                        await stop.CancelAsync();
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    // Stopped because of too many errors or by the caller.
                }
            }
        }, CancellationToken.None)));
        clock.Stop();
        var use = cpu.Stop();
        cancellationToken.ThrowIfCancellationRequested();

        var latencies = Enumerable.Range(0, seriesCount).Select(s => Latency.Of(workers.SelectMany(w => w.Latencies[s]))).ToList();
        return new PhaseResult(completed, errors, firstError, clock.Elapsed, latencies, use);
    }
}
