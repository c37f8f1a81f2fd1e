using System.Buffers;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Idrp.Analysis.Kmap.QSpace;

namespace Idrp.Analysis.Kmap.Fit;

/// <summary>
/// Per-point peak fit, as X-SOCS: each cube is normalised by the hit counts of its bins (mean count per pixel,
/// which undoes the uneven sampling density of the detector), projected on qx, qy and qz, and each projection
/// is fitted with a Gaussian or reduced to its centre of mass.
/// </summary>
/// <remarks>
/// <para>
/// Each projected value sits at the intensity-weighted mean of the bin centroids it sums
/// (<see cref="QSpaceLayout.Centroids"/>), not at the nominal bin centre: pixels fill bins unevenly (a bin holds
/// ten or eleven detector columns; one Ewald surface per rocking angle crosses it off-centre), and this removes
/// the resulting bias of the centre, which otherwise dominates the strain and tilt error.
/// </para>
/// <para>
/// Sources that allow concurrent reads (uncompressed Q-space files, in-memory cubes) are read and fitted by each worker
/// over its band of points; others are read on the calling thread in batches of 64 and each batch is fitted in
/// parallel. Memory is one cube per worker (or one batch), whatever the number of points.
/// </para>
/// </remarks>
public static class PeakFitter
{
    private const int BatchSize = 64;

    /// <exception cref="KmapException">A cube cannot be read (names the dataset).</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static PeakFitResult Fit(IQSpaceSource source, FitOptions options, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        var layout = source.Layout;
        var grid = layout.Grid;
        var (nx, ny, nz) = grid.Shape;
        var bins = grid.BinCount;
        var (axisX, axisY, axisZ) = (grid.AxisX, grid.AxisY, grid.AxisZ);

        // 1/hits per bin, 0 outside the Q ROI or where nothing was sampled; the same for every point.
        var weight = new float[bins];
        for (var i = 0; i < nx; i++)
        {
            for (var j = 0; j < ny; j++)
            {
                for (var l = 0; l < nz; l++)
                {
                    var b = (((i * ny) + j) * nz) + l;
                    var inside = options.QRoi is not { } roi || roi.Contains(axisX[i], axisY[j], axisZ[l]);
                    var h = layout.Hits[b];
                    weight[b] = inside && h > 0 ? 1f / h : 0f;
                }
            }
        }

        var slots = new List<int>();
        for (var s = 0; s < layout.PointIndices.Length; s++)
        {
            if (options.SampleRoi is not { } sroi || sroi.Contains(layout.SampleX[s], layout.SampleY[s]))
            {
                slots.Add(s);
            }
        }

        var results = new PointFit[slots.Count];
        var context = new Context(grid, weight, layout.Centroids, options);
        try
        {
            if (source.SupportsConcurrentReads)
            {
                FitConcurrently(source, slots, bins, context, results, options, progress, cancellationToken);
            }
            else
            {
                FitInBatches(source, slots, bins, context, results, options, progress, cancellationToken);
            }
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count == 1)
        {
            // Surface the worker's own exception (a KmapException naming the dataset), not the wrapper.
            ExceptionDispatchInfo.Throw(ex.InnerExceptions[0]);
        }

        return new PeakFitResult(options, results, clock.Elapsed);
    }

    /// <summary>Each worker reads and fits a band of points with its own cube buffer.</summary>
    private static void FitConcurrently(IQSpaceSource source, List<int> slots, int bins, Context context, PointFit[] results, FitOptions options, IProgress<double>? progress, CancellationToken cancellationToken)
    {
        var layout = source.Layout;
        var workers = Math.Max(1, Math.Min(options.MaxDegreeOfParallelism, slots.Count));
        var done = 0;
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers, CancellationToken = cancellationToken }, worker =>
        {
            var cube = ArrayPool<float>.Shared.Rent(bins);
            try
            {
                var lo = worker * slots.Count / workers;
                var hi = (worker + 1) * slots.Count / workers;
                for (var i = lo; i < hi; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var slot = slots[i];
                    var span = cube.AsSpan(0, bins);
                    source.ReadCube(slot, span);
                    results[i] = context.FitOne(span, layout.PointIndices[slot], layout.SampleX[slot], layout.SampleY[slot]);
                    if ((i - lo) % 64 == 63)
                    {
                        progress?.Report((double)Interlocked.Add(ref done, 64) / slots.Count);
                    }
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(cube);
            }
        });
        progress?.Report(1.0);
    }

    /// <summary>Cubes read on the calling thread, 64 at a time, each batch fitted in parallel bands.</summary>
    private static void FitInBatches(IQSpaceSource source, List<int> slots, int bins, Context context, PointFit[] results, FitOptions options, IProgress<double>? progress, CancellationToken cancellationToken)
    {
        var layout = source.Layout;
        var batchCount = Math.Min(BatchSize, Math.Max(1, slots.Count));
        var batch = ArrayPool<float>.Shared.Rent(batchCount * bins);
        try
        {
            for (var first = 0; first < slots.Count; first += BatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var count = Math.Min(BatchSize, slots.Count - first);
                for (var b = 0; b < count; b++)
                {
                    source.ReadCube(slots[first + b], batch.AsSpan(b * bins, bins));
                }

                var workers = Math.Max(1, Math.Min(options.MaxDegreeOfParallelism, count));
                var job = new BatchJob(context, batch, bins, slots, first, count, workers, layout, results);
                if (workers == 1)
                {
                    job.Run(0);
                }
                else
                {
                    Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers, CancellationToken = cancellationToken }, job.Run);
                }

                progress?.Report((double)(first + count) / slots.Count);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(batch);
        }
    }

    /// <summary>One band of a batch per worker: no closure per point.</summary>
    private sealed class BatchJob(Context context, float[] batch, int bins, List<int> slots, int first, int count, int workers, QSpaceLayout layout, PointFit[] results)
    {
        public void Run(int worker)
        {
            var lo = worker * count / workers;
            var hi = (worker + 1) * count / workers;
            for (var b = lo; b < hi; b++)
            {
                var slot = slots[first + b];
                results[first + b] = context.FitOne(batch.AsSpan(b * bins, bins), layout.PointIndices[slot], layout.SampleX[slot], layout.SampleY[slot]);
            }
        }
    }

    private sealed class Context(QSpaceGrid grid, float[] weight, double[] centroids, FitOptions options)
    {
        public PointFit FitOne(ReadOnlySpan<float> cube, int point, double sampleX, double sampleY)
        {
            var (nx, ny, nz) = grid.Shape;
            var total = 2 * (nx + ny + nz);
            var buffer = ArrayPool<double>.Shared.Rent(total);
            try
            {
                var all = buffer.AsSpan(0, total);
                all.Clear();
                var px = all[..nx];
                var pxc = all.Slice(nx, nx);
                var py = all.Slice(2 * nx, ny);
                var pyc = all.Slice((2 * nx) + ny, ny);
                var pz = all.Slice(2 * (nx + ny), nz);
                var pzc = all.Slice((2 * (nx + ny)) + nz, nz);
                var b = 0;
                for (var i = 0; i < nx; i++)
                {
                    for (var j = 0; j < ny; j++)
                    {
                        for (var l = 0; l < nz; l++, b++)
                        {
                            var v = cube[b] * weight[b];
                            if (v == 0)
                            {
                                continue;
                            }

                            px[i] += v;
                            pxc[i] += v * centroids[3 * b];
                            py[j] += v;
                            pyc[j] += v * centroids[(3 * b) + 1];
                            pz[l] += v;
                            pzc[l] += v * centroids[(3 * b) + 2];
                        }
                    }
                }

                return new PointFit(
                    point,
                    sampleX,
                    sampleY,
                    FitAxis(grid.AxisX, px, pxc),
                    FitAxis(grid.AxisY, py, pyc),
                    FitAxis(grid.AxisZ, pz, pzc));
            }
            finally
            {
                ArrayPool<double>.Shared.Return(buffer);
            }
        }

        private AxisPeak FitAxis(double[] axis, ReadOnlySpan<double> sums, ReadOnlySpan<double> weightedPositions)
        {
            var length = axis.Length;
            var scratch = ArrayPool<double>.Shared.Rent(2 * length);
            try
            {
                var x = scratch.AsSpan(0, length);
                var y = scratch.AsSpan(length, length);
                for (var i = 0; i < length; i++)
                {
                    y[i] = sums[i];
                    x[i] = sums[i] != 0 ? weightedPositions[i] / sums[i] : axis[i];
                }

                if (options.Method == FitMethod.CentreOfMass)
                {
                    var background = 0.0;
                    if (options.Background == BackgroundMode.Constant)
                    {
                        background = double.MaxValue;
                        foreach (var v in y)
                        {
                            background = Math.Min(background, v);
                        }
                    }

                    return GaussianFit1D.Moments(x, y, background, out var c, out var s, out var max)
                        ? new AxisPeak(c, s, max - background, background, FitStatus.Ok)
                        : new AxisPeak(double.NaN, double.NaN, double.NaN, background, FitStatus.NoData);
                }

                var status = GaussianFit1D.Fit(x, y, options.Background == BackgroundMode.Constant, out var a, out var mu, out var sigma, out var bg);
                return new AxisPeak(mu, sigma, a, bg, status);
            }
            finally
            {
                ArrayPool<double>.Shared.Return(scratch);
            }
        }
    }
}
