using System.Buffers;
using System.Diagnostics;
using Idrp.Analysis.Kmap.QSpace;

namespace Idrp.Analysis.Kmap.Fit;

/// <summary>
/// Per-point peak fit, as X-SOCS: each cube is projected on qx, qy and qz, every projection normalised by the
/// hit counts of the bins it sums (so it is the mean count per pixel in that slab, independent of how densely
/// the detector samples it), then fitted with a Gaussian or reduced to its centre of mass.
/// </summary>
/// <remarks>
/// Cubes are read on the calling thread in batches (a Q-space file has one reader) and the batch is fitted in
/// parallel over ranges of points; memory is one batch of cubes, independent of the number of points.
/// </remarks>
public static class PeakFitter
{
    private const int BatchSize = 64;

    /// <exception cref="KmapException">A cube cannot be read (names the dataset).</exception>
    public static PeakFitResult Fit(IQSpaceSource source, FitOptions options, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        var layout = source.Layout;
        var grid = layout.Grid;
        var (nx, ny, nz) = grid.Shape;
        var bins = grid.BinCount;
        var axisX = grid.AxisX;
        var axisY = grid.AxisY;
        var axisZ = grid.AxisZ;

        // Bins outside the Q ROI get weight 0; hits projected once, they are the same for all points.
        var weight = new float[bins];
        var hx = new double[nx];
        var hy = new double[ny];
        var hz = new double[nz];
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
                    if (inside && h > 0)
                    {
                        hx[i] += h;
                        hy[j] += h;
                        hz[l] += h;
                    }
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
        var context = new Context(grid, weight, hx, hy, hz, axisX, axisY, axisZ, options);
        var batch = new float[Math.Min(BatchSize, Math.Max(1, slots.Count)) * bins];
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

                var start = first;
                Parallel.For(
                    0,
                    Math.Min(options.MaxDegreeOfParallelism, count),
                    new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.MaxDegreeOfParallelism), CancellationToken = cancellationToken },
                    worker =>
                    {
                        var workers = Math.Min(options.MaxDegreeOfParallelism, count);
                        var lo = worker * count / workers;
                        var hi = (worker + 1) * count / workers;
                        for (var b = lo; b < hi; b++)
                        {
                            var slot = slots[start + b];
                            results[start + b] = context.FitOne(batch.AsSpan(b * bins, bins), layout.PointIndices[slot], layout.SampleX[slot], layout.SampleY[slot]);
                        }
                    });
                progress?.Report((double)(first + count) / slots.Count);
            }
        }
        catch (AggregateException ex) when (ex.InnerException is not null)
        {
            throw ex.InnerException;
        }

        return new PeakFitResult(options, results, clock.Elapsed);
    }

    private sealed class Context(
        QSpaceGrid grid,
        float[] weight,
        double[] hx,
        double[] hy,
        double[] hz,
        double[] axisX,
        double[] axisY,
        double[] axisZ,
        FitOptions options)
    {
        public PointFit FitOne(ReadOnlySpan<float> cube, int point, double sampleX, double sampleY)
        {
            var (nx, ny, nz) = grid.Shape;
            var px = ArrayPool<double>.Shared.Rent(nx);
            var py = ArrayPool<double>.Shared.Rent(ny);
            var pz = ArrayPool<double>.Shared.Rent(nz);
            try
            {
                Array.Clear(px, 0, nx);
                Array.Clear(py, 0, ny);
                Array.Clear(pz, 0, nz);
                var b = 0;
                for (var i = 0; i < nx; i++)
                {
                    for (var j = 0; j < ny; j++)
                    {
                        for (var l = 0; l < nz; l++, b++)
                        {
                            // Mean count per pixel of the bin: dividing by hits undoes the uneven sampling density.
                            var v = cube[b] * weight[b];
                            px[i] += v;
                            py[j] += v;
                            pz[l] += v;
                        }
                    }
                }

                return new PointFit(
                    point,
                    sampleX,
                    sampleY,
                    FitAxis(axisX, px.AsSpan(0, nx), hx),
                    FitAxis(axisY, py.AsSpan(0, ny), hy),
                    FitAxis(axisZ, pz.AsSpan(0, nz), hz));
            }
            finally
            {
                ArrayPool<double>.Shared.Return(px);
                ArrayPool<double>.Shared.Return(py);
                ArrayPool<double>.Shared.Return(pz);
            }
        }

        private AxisPeak FitAxis(double[] axis, Span<double> sums, double[] hits)
        {
            // Keep only slabs with hits; divide by them.
            Span<double> x = stackalloc double[axis.Length];
            Span<double> y = stackalloc double[axis.Length];
            var n = 0;
            for (var i = 0; i < axis.Length; i++)
            {
                if (hits[i] > 0)
                {
                    x[n] = axis[i];
                    y[n] = sums[i];
                    n++;
                }
            }

            x = x[..n];
            y = y[..n];
            if (n == 0)
            {
                return new AxisPeak(double.NaN, double.NaN, double.NaN, double.NaN, FitStatus.NoData);
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
    }
}
