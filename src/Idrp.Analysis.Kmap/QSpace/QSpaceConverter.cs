using System.Buffers;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.ExceptionServices;
using System.Runtime.Intrinsics;
using Idrp.Analysis.Kmap.Input;

namespace Idrp.Analysis.Kmap.QSpace;

/// <summary>Thread-seconds spent in each stage (summed over workers) and the wall time of a conversion.</summary>
public sealed record QSpaceTimings(TimeSpan Wall, TimeSpan Setup, TimeSpan ReadInflate, TimeSpan Filter, TimeSpan Binning, TimeSpan Write);

/// <summary>Outcome of <see cref="QSpaceConverter.Convert"/>.</summary>
public sealed record QSpaceResult(QSpaceLayout Layout, long FramesRead, long PixelsRead, QSpaceTimings Timings);

/// <summary>
/// Converts every pixel of every frame to reciprocal space and bins it on a regular grid, one cube per scan point.
/// </summary>
/// <remarks>
/// Each entry gets a look-up table pixel -> bin (Q depends on the pixel and the entry's angles, not on the
/// scan point), so the per-pixel work is a look-up and an add. Workers take blocks of four scan points; entry by
/// entry they read the block's frames (own file handles), optionally median-filter them, and add them into the
/// block's cubes, which are then handed to the sink. Memory is the tables plus one frame and four cubes per
/// worker, flat in the number of scan points. Thread-safe: each call has its own state.
/// </remarks>
public static class QSpaceConverter
{
    private const int PointsPerBlock = 4;

    /// <summary>The grid of a conversion with <paramref name="options"/>: spanning every pixel of every entry (or the Q ROI), qx bins aligned to the rocking step when asked and possible.</summary>
    public static QSpaceGrid GridFor(KmapDataset dataset, QSpaceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var grid = GridFor(dataset, options.GridShape, options.QRoi);
        if (!options.AlignQxToRockingStep || RockingStepInQx(dataset) is not { } step)
        {
            return grid;
        }

        var box = grid.Box;
        var nx = Math.Max(1, (int)Math.Ceiling(((box.XMax - box.XMin) / step) - 1e-9));
        var centre = (box.XMin + box.XMax) / 2;
        return grid with
        {
            Box = box with { XMin = centre - (nx * step / 2), XMax = centre + (nx * step / 2) },
            Shape = (nx, grid.Shape.Y, grid.Shape.Z),
        };
    }

    /// <summary>
    /// Spacing along qx of consecutive entries' Ewald surfaces at the direct-beam pixel of the middle entry, Qz * d(eta) in
    /// 1/Angstrom; null unless the entries step eta evenly (within 1 %) at fixed phi, nu and delta.
    /// </summary>
    public static double? RockingStepInQx(KmapDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var entries = dataset.Entries;
        if (entries.Count < 2)
        {
            return null;
        }

        // Entries come in file order, which need not be eta order (h5py lists links in hash order unless told to track
        // creation order): the step is checked on the sorted angles.
        var first = entries[0].Geometry;
        var etas = new double[entries.Count];
        for (var e = 0; e < entries.Count; e++)
        {
            var g = entries[e].Geometry;
            if (g.Phi != first.Phi || g.Nu != first.Nu || g.Delta != first.Delta)
            {
                return null;
            }

            etas[e] = g.Eta;
        }

        Array.Sort(etas);
        var step = etas[1] - etas[0];
        for (var e = 1; e < etas.Length; e++)
        {
            if (Math.Abs(etas[e] - etas[e - 1] - step) > 0.01 * Math.Abs(step))
            {
                return null;
            }
        }

        if (step == 0)
        {
            return null;
        }

        var mid = entries[entries.Count / 2].Geometry;
        var (rows, cols) = mid.DetectorShape;
        var r = Math.Clamp((int)Math.Round(mid.CenterChannel.Dim0) - mid.RoiOffset.Rows, 0, rows - 1);
        var c = Math.Clamp((int)Math.Round(mid.CenterChannel.Dim1) - mid.RoiOffset.Columns, 0, cols - 1);
        return Math.Abs(Id01QConversion.PixelQ(mid, r, c).Z * step * Math.PI / 180.0);
    }

    /// <summary>The grid that spans every pixel of every entry (or <paramref name="roi"/>), with the given shape.</summary>
    public static QSpaceGrid GridFor(KmapDataset dataset, (int X, int Y, int Z) shape, QBox? roi = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfLessThan(Math.Min(shape.X, Math.Min(shape.Y, shape.Z)), 1);
        if (roi is { } box)
        {
            return new QSpaceGrid(box, shape);
        }

        var n = dataset.FrameShape.Rows * dataset.FrameShape.Columns;
        var bounds = new double[dataset.Entries.Count, 6];
        Parallel.For(0, dataset.Entries.Count, e =>
        {
            var qx = ArrayPool<double>.Shared.Rent(n);
            var qy = ArrayPool<double>.Shared.Rent(n);
            var qz = ArrayPool<double>.Shared.Rent(n);
            try
            {
                Id01QConversion.PixelQ(dataset.Entries[e].Geometry, qx, qy, qz);
                double a0 = double.MaxValue, a1 = double.MinValue, b0 = double.MaxValue, b1 = double.MinValue, c0 = double.MaxValue, c1 = double.MinValue;
                for (var p = 0; p < n; p++)
                {
                    a0 = Math.Min(a0, qx[p]);
                    a1 = Math.Max(a1, qx[p]);
                    b0 = Math.Min(b0, qy[p]);
                    b1 = Math.Max(b1, qy[p]);
                    c0 = Math.Min(c0, qz[p]);
                    c1 = Math.Max(c1, qz[p]);
                }

                (bounds[e, 0], bounds[e, 1], bounds[e, 2], bounds[e, 3], bounds[e, 4], bounds[e, 5]) = (a0, a1, b0, b1, c0, c1);
            }
            finally
            {
                ArrayPool<double>.Shared.Return(qx);
                ArrayPool<double>.Shared.Return(qy);
                ArrayPool<double>.Shared.Return(qz);
            }
        });
        double x0 = double.MaxValue, x1 = double.MinValue, y0 = double.MaxValue, y1 = double.MinValue, z0 = double.MaxValue, z1 = double.MinValue;
        for (var e = 0; e < dataset.Entries.Count; e++)
        {
            x0 = Math.Min(x0, bounds[e, 0]);
            x1 = Math.Max(x1, bounds[e, 1]);
            y0 = Math.Min(y0, bounds[e, 2]);
            y1 = Math.Max(y1, bounds[e, 3]);
            z0 = Math.Min(z0, bounds[e, 4]);
            z1 = Math.Max(z1, bounds[e, 5]);
        }

        return new QSpaceGrid(new QBox(x0, x1, y0, y1, z0, z1), shape);
    }

    /// <summary>Converts <paramref name="dataset"/> into <paramref name="sink"/>.</summary>
    /// <param name="progress">Fraction of scan points done, 0 to 1.</param>
    /// <exception cref="KmapException">A frame cannot be read (names the dataset).</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the sink is left incomplete.</exception>
    public static QSpaceResult Convert(KmapDataset dataset, QSpaceOptions options, IQSpaceSink sink, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sink);
        var wall = Stopwatch.StartNew();
        var (rows, cols) = dataset.FrameShape;
        var frameLength = rows * cols;
        if (options.Mask is { } mask && mask.Length != frameLength)
        {
            throw new ArgumentException($"Mask has {mask.Length} pixels, frames {frameLength}.", nameof(options));
        }

        var grid = GridFor(dataset, options);
        var tables = new int[dataset.Entries.Count][];
        var hits = new float[grid.BinCount];
        var centroids = new double[3 * grid.BinCount];
        BuildTables(dataset, grid, options.Mask, tables, hits, centroids, options.MaxDegreeOfParallelism);

        var slots = new List<int>();
        for (var k = 0; k < dataset.PointCount; k++)
        {
            if (options.SampleRoi is not { } roi || roi.Contains(dataset.SampleX[k], dataset.SampleY[k]))
            {
                slots.Add(k);
            }
        }

        var points = slots.ToArray();
        var sx = new double[points.Length];
        var sy = new double[points.Length];
        for (var s = 0; s < points.Length; s++)
        {
            sx[s] = dataset.SampleX[points[s]];
            sy[s] = dataset.SampleY[points[s]];
        }

        var scales = MonitorScales(dataset, options.NormaliseByMonitor);
        var layout = new QSpaceLayout(grid, hits, points, sx, sy, centroids);
        sink.Begin(layout);
        var setup = wall.Elapsed;

        var state = new ConversionState(dataset, options, sink, tables, scales, points, grid.BinCount, progress, cancellationToken);
        var workers = Math.Clamp(options.MaxDegreeOfParallelism, 1, Math.Max(1, (points.Length + PointsPerBlock - 1) / PointsPerBlock));
        if (workers == 1)
        {
            state.Work();
        }
        else
        {
            var threads = new Thread[workers];
            for (var w = 0; w < workers; w++)
            {
                threads[w] = new Thread(state.Work) { IsBackground = true, Name = $"kmap-qspace-{w}" };
                threads[w].Start();
            }

            foreach (var t in threads)
            {
                t.Join();
            }
        }

        state.ThrowIfFailed();
        sink.Complete();
        var timings = new QSpaceTimings(
            wall.Elapsed,
            setup,
            Stopwatch.GetElapsedTime(0, state.ReadTicks),
            Stopwatch.GetElapsedTime(0, state.FilterTicks),
            Stopwatch.GetElapsedTime(0, state.BinTicks),
            Stopwatch.GetElapsedTime(0, state.WriteTicks));
        return new QSpaceResult(layout, state.Frames, state.Frames * frameLength, timings);
    }

    private static void BuildTables(KmapDataset dataset, QSpaceGrid grid, bool[]? mask, int[][] tables, float[] hits, double[] centroids, int parallelism)
    {
        var n = dataset.FrameShape.Rows * dataset.FrameShape.Columns;
        var entryHits = new int[tables.Length][];
        var entrySums = new double[tables.Length][];
        Parallel.For(0, tables.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism) }, e =>
        {
            var qx = ArrayPool<double>.Shared.Rent(n);
            var qy = ArrayPool<double>.Shared.Rent(n);
            var qz = ArrayPool<double>.Shared.Rent(n);
            try
            {
                Id01QConversion.PixelQ(dataset.Entries[e].Geometry, qx, qy, qz);
                var table = new int[n];
                var h = new int[grid.BinCount];
                var sums = new double[3 * grid.BinCount];
                for (var p = 0; p < n; p++)
                {
                    var bin = mask is not null && mask[p] ? -1 : grid.BinOf(qx[p], qy[p], qz[p]);
                    table[p] = bin;
                    if (bin >= 0)
                    {
                        h[bin]++;
                        sums[3 * bin] += qx[p];
                        sums[(3 * bin) + 1] += qy[p];
                        sums[(3 * bin) + 2] += qz[p];
                    }
                }

                tables[e] = table;
                entryHits[e] = h;
                entrySums[e] = sums;
            }
            finally
            {
                ArrayPool<double>.Shared.Return(qx);
                ArrayPool<double>.Shared.Return(qy);
                ArrayPool<double>.Shared.Return(qz);
            }
        });
        for (var e = 0; e < entryHits.Length; e++)
        {
            var h = entryHits[e];
            var sums = entrySums[e];
            for (var b = 0; b < h.Length; b++)
            {
                hits[b] += h[b];
                centroids[3 * b] += sums[3 * b];
                centroids[(3 * b) + 1] += sums[(3 * b) + 1];
                centroids[(3 * b) + 2] += sums[(3 * b) + 2];
            }
        }

        var (ax, ay, az) = (grid.AxisX, grid.AxisY, grid.AxisZ);
        var (ny, nz) = (grid.Shape.Y, grid.Shape.Z);
        for (var b = 0; b < hits.Length; b++)
        {
            if (hits[b] > 0)
            {
                centroids[3 * b] /= hits[b];
                centroids[(3 * b) + 1] /= hits[b];
                centroids[(3 * b) + 2] /= hits[b];
            }
            else
            {
                centroids[3 * b] = ax[b / (ny * nz)];
                centroids[(3 * b) + 1] = ay[b / nz % ny];
                centroids[(3 * b) + 2] = az[b % nz];
            }
        }
    }

    private static float[][] MonitorScales(KmapDataset dataset, bool normalise)
    {
        var scales = new float[dataset.Entries.Count][];
        double sum = 0;
        long count = 0;
        if (normalise)
        {
            foreach (var e in dataset.Entries)
            {
                if (e.Monitor is null)
                {
                    throw new KmapException($"Monitor normalisation asked but entry '{e.Name}' has no monitor.", dataset.Path);
                }

                foreach (var m in e.Monitor)
                {
                    sum += m;
                    count++;
                }
            }
        }

        var reference = count > 0 ? sum / count : 1.0;
        for (var e = 0; e < scales.Length; e++)
        {
            var s = new float[dataset.PointCount];
            for (var k = 0; k < s.Length; k++)
            {
                s[k] = normalise ? (float)(reference / dataset.Entries[e].Monitor![k]) : 1f;
            }

            scales[e] = s;
        }

        return scales;
    }

    /// <summary>Adds the non-zero pixels of <paramref name="frame"/> into <paramref name="cube"/> through the look-up table.</summary>
    internal static void Bin<T>(ReadOnlySpan<T> frame, ReadOnlySpan<int> table, Span<float> cube, float scale)
        where T : unmanaged, IBinaryInteger<T>
    {
        var p = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var width = Vector256<T>.Count;
            for (; p <= frame.Length - width; p += width)
            {
                // Detector frames are mostly zeros: test a whole vector, then visit only its non-zero lanes.
                var nonZero = ~Vector256.Equals(Vector256.Create(frame.Slice(p, width)), Vector256<T>.Zero).ExtractMostSignificantBits();
                nonZero &= width == 32 ? uint.MaxValue : (1u << width) - 1;
                while (nonZero != 0)
                {
                    var l = p + BitOperations.TrailingZeroCount(nonZero);
                    nonZero &= nonZero - 1;
                    var bin = table[l];
                    if (bin >= 0)
                    {
                        cube[bin] += float.CreateTruncating(frame[l]) * scale;
                    }
                }
            }
        }

        for (; p < frame.Length; p++)
        {
            var bin = table[p];
            if (frame[p] != T.Zero && bin >= 0)
            {
                cube[bin] += float.CreateTruncating(frame[p]) * scale;
            }
        }
    }

    private sealed class ConversionState(
        KmapDataset dataset,
        QSpaceOptions options,
        IQSpaceSink sink,
        int[][] tables,
        float[][] scales,
        int[] points,
        int binCount,
        IProgress<double>? progress,
        CancellationToken cancellationToken)
    {
        private int _nextBlock;
        private int _done;
        private Exception? _failure;
        public long ReadTicks;
        public long FilterTicks;
        public long BinTicks;
        public long WriteTicks;
        public long Frames;

        public void Work()
        {
            try
            {
                using var reader = dataset.OpenFrames();
                if (reader.ElementType == FrameElementType.UInt16)
                {
                    Run<ushort>(reader);
                }
                else
                {
                    Run<int>(reader);
                }
            }
            catch (Exception ex)
            {
                Interlocked.CompareExchange(ref _failure, ex, null);
            }
        }

        public void ThrowIfFailed()
        {
            if (_failure is OperationCanceledException or KmapException)
            {
                // Keep the worker's exception as is: it carries the file and dataset that failed.
                ExceptionDispatchInfo.Throw(_failure);
            }

            if (_failure is not null)
            {
                throw new KmapException($"Q-space conversion failed: {_failure.Message}", dataset.Path, null, _failure);
            }
        }

        private void Run<T>(KmapFrameReader reader)
            where T : unmanaged, IBinaryInteger<T>
        {
            var frameLength = reader.FrameLength;
            var (rows, cols) = dataset.FrameShape;
            var raw = new T[frameLength]; // exact length: PureHDF reads whole arrays
            var filtered = options.MedianFilter ? ArrayPool<T>.Shared.Rent(frameLength) : null;
            var scratch = options.MedianFilter ? ArrayPool<T>.Shared.Rent(MedianFilter3x3.ScratchLength<T>(cols)) : null;
            // One cube per point of the block: frames are taken entry by entry so that each entry's look-up table is
            // reused for the whole block while it is in cache (background counts hit it at random places).
            var cube = ArrayPool<float>.Shared.Rent(binCount * PointsPerBlock);
            // Without a filter the frame is only needed for binning: uint16 chunks are binned as they are inflated.
            var fused = !options.MedianFilter && typeof(T) == typeof(ushort);
            long read = 0, filter = 0, bin = 0, write = 0, frames = 0;
            try
            {
                while (_failure is null)
                {
                    var block = Interlocked.Increment(ref _nextBlock) - 1;
                    var first = block * PointsPerBlock;
                    if (first >= points.Length)
                    {
                        break;
                    }

                    var last = Math.Min(points.Length, first + PointsPerBlock);
                    cube.AsSpan(0, binCount * (last - first)).Clear();
                    for (var e = 0; e < tables.Length; e++)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        for (var slot = first; slot < last; slot++)
                        {
                            var point = points[slot];
                            var t0 = Stopwatch.GetTimestamp();
                            if (fused && reader.TryBinFrame(e, point, tables[e], cube.AsSpan((slot - first) * binCount, binCount), scales[e][point]))
                            {
                                // Decoded and binned chunk by chunk: the frame is never materialised. Counted as read+inflate.
                                read += Stopwatch.GetTimestamp() - t0;
                                frames++;
                                continue;
                            }

                            reader.ReadFrame(e, point, raw);
                            var t1 = Stopwatch.GetTimestamp();
                            read += t1 - t0;
                            ReadOnlySpan<T> source = raw;
                            if (filtered is not null)
                            {
                                MedianFilter3x3.Apply<T>(raw, filtered, rows, cols, scratch);
                                source = filtered.AsSpan(0, frameLength);
                                var t2 = Stopwatch.GetTimestamp();
                                filter += t2 - t1;
                                t1 = t2;
                            }

                            Bin(source, tables[e], cube.AsSpan((slot - first) * binCount, binCount), scales[e][point]);
                            bin += Stopwatch.GetTimestamp() - t1;
                            frames++;
                        }
                    }

                    var t3 = Stopwatch.GetTimestamp();
                    for (var slot = first; slot < last; slot++)
                    {
                        sink.Write(slot, cube.AsSpan((slot - first) * binCount, binCount));
                    }

                    write += Stopwatch.GetTimestamp() - t3;

                    var done = Interlocked.Add(ref _done, last - first);
                    progress?.Report((double)done / points.Length);
                }
            }
            finally
            {
                if (filtered is not null)
                {
                    ArrayPool<T>.Shared.Return(filtered);
                }

                if (scratch is not null)
                {
                    ArrayPool<T>.Shared.Return(scratch);
                }

                ArrayPool<float>.Shared.Return(cube);
                Interlocked.Add(ref ReadTicks, read);
                Interlocked.Add(ref FilterTicks, filter);
                Interlocked.Add(ref BinTicks, bin);
                Interlocked.Add(ref WriteTicks, write);
                Interlocked.Add(ref Frames, frames);
            }
        }
    }
}
