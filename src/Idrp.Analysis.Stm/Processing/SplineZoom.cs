namespace Idrp.Analysis.Stm.Processing;

/// <summary>
/// Image resizing as scikit-image's <c>resize</c> when enlarging (which is <c>scipy.ndimage.zoom</c> with
/// <c>grid_mode=True</c>, mode <c>mirror</c>): output pixel o samples input coordinate <c>(o + 0.5) in/out - 0.5</c>
/// with nearest-neighbour (order 0) or cubic B-spline (order 3) interpolation. Thread safe (pure functions).
/// </summary>
internal static class SplineZoom
{
    private static readonly double s_pole = Math.Sqrt(3) - 2;

    /// <summary>Nearest neighbour: <c>floor(u + 0.5)</c>, clamped.</summary>
    public static void Nearest(ReadOnlySpan<float> input, int rows, int columns, Span<double> output, int outRows, int outColumns)
    {
        for (var o = 0; o < outRows; o++)
        {
            var r = Math.Clamp((int)Math.Floor((o + 0.5) * rows / outRows - 0.5 + 0.5), 0, rows - 1);
            for (var p = 0; p < outColumns; p++)
            {
                var c = Math.Clamp((int)Math.Floor((p + 0.5) * columns / outColumns - 0.5 + 0.5), 0, columns - 1);
                output[o * outColumns + p] = input[r * columns + c];
            }
        }
    }

    /// <summary>Cubic B-spline zoom with mirror boundaries (scipy's spline prefilter, then 4 x 4 taps, applied separably: x, then y).</summary>
    public static void Cubic(ReadOnlySpan<float> input, int rows, int columns, Span<float> output, int outRows, int outColumns)
    {
        var pool = System.Buffers.ArrayPool<double>.Shared;
        var coefficients = pool.Rent(rows * columns);
        var line = pool.Rent(Math.Max(rows, columns));
        var horizontal = pool.Rent(rows * outColumns);
        var columnWeights = pool.Rent(4 * outColumns);
        var columnIndex = System.Buffers.ArrayPool<int>.Shared.Rent(4 * outColumns);
        try
        {
            for (var i = 0; i < rows * columns; i++)
            {
                coefficients[i] = input[i];
            }

            for (var r = 0; r < rows; r++)
            {
                Prefilter(coefficients.AsSpan(r * columns, columns));
            }

            for (var c = 0; c < columns; c++)
            {
                for (var r = 0; r < rows; r++)
                {
                    line[r] = coefficients[r * columns + c];
                }

                Prefilter(line.AsSpan(0, rows));
                for (var r = 0; r < rows; r++)
                {
                    coefficients[r * columns + c] = line[r];
                }
            }

            for (var p = 0; p < outColumns; p++)
            {
                Taps((p + 0.5) * columns / outColumns - 0.5, columns, columnIndex.AsSpan(4 * p, 4), columnWeights.AsSpan(4 * p, 4));
            }

            // h[r][p] = sum_b w_b c[r][i_b]: the same row sums, in the same order, as the 4 x 4 form
            for (var r = 0; r < rows; r++)
            {
                var offset = r * columns;
                for (var p = 0; p < outColumns; p++)
                {
                    var k = 4 * p;
                    double rowSum = 0;
                    for (var b = 0; b < 4; b++)
                    {
                        rowSum += columnWeights[k + b] * coefficients[offset + columnIndex[k + b]];
                    }

                    horizontal[r * outColumns + p] = rowSum;
                }
            }

            Span<int> ri = stackalloc int[4];
            Span<double> rw = stackalloc double[4];
            for (var o = 0; o < outRows; o++)
            {
                Taps((o + 0.5) * rows / outRows - 0.5, rows, ri, rw);
                var target = output.Slice(o * outColumns, outColumns);
                var h0 = horizontal.AsSpan(ri[0] * outColumns, outColumns);
                var h1 = horizontal.AsSpan(ri[1] * outColumns, outColumns);
                var h2 = horizontal.AsSpan(ri[2] * outColumns, outColumns);
                var h3 = horizontal.AsSpan(ri[3] * outColumns, outColumns);
                var p = 0;
                if (System.Numerics.Vector.IsHardwareAccelerated)
                {
                    // the same products and sums, in the same order, a vector at a time (no fused multiply-add)
                    var lanes = System.Numerics.Vector<double>.Count;
                    var (w0, w1, w2, w3) = (new System.Numerics.Vector<double>(rw[0]), new System.Numerics.Vector<double>(rw[1]),
                        new System.Numerics.Vector<double>(rw[2]), new System.Numerics.Vector<double>(rw[3]));
                    for (; p <= outColumns - 2 * lanes; p += 2 * lanes)
                    {
                        var low = System.Numerics.Vector<double>.Zero + w0 * new System.Numerics.Vector<double>(h0[p..]) + w1 * new System.Numerics.Vector<double>(h1[p..])
                            + w2 * new System.Numerics.Vector<double>(h2[p..]) + w3 * new System.Numerics.Vector<double>(h3[p..]);
                        var q = p + lanes;
                        var high = System.Numerics.Vector<double>.Zero + w0 * new System.Numerics.Vector<double>(h0[q..]) + w1 * new System.Numerics.Vector<double>(h1[q..])
                            + w2 * new System.Numerics.Vector<double>(h2[q..]) + w3 * new System.Numerics.Vector<double>(h3[q..]);
                        System.Numerics.Vector.Narrow(low, high).CopyTo(target[p..]);
                    }
                }

                for (; p < outColumns; p++)
                {
                    double sum = 0;
                    sum += rw[0] * h0[p];
                    sum += rw[1] * h1[p];
                    sum += rw[2] * h2[p];
                    sum += rw[3] * h3[p];
                    target[p] = (float)sum;
                }
            }
        }
        finally
        {
            pool.Return(coefficients);
            pool.Return(line);
            pool.Return(horizontal);
            pool.Return(columnWeights);
            System.Buffers.ArrayPool<int>.Shared.Return(columnIndex);
        }
    }

    private static void Taps(double u, int n, Span<int> index, Span<double> weight)
    {
        var start = (int)Math.Floor(u) - 1;
        for (var k = 0; k < 4; k++)
        {
            var i = start + k;
            var t = Math.Abs(u - i);
            weight[k] = t < 1 ? 2.0 / 3 - t * t + t * t * t / 2 : t < 2 ? (2 - t) * (2 - t) * (2 - t) / 6 : 0;
            index[k] = Mirror(i, n);
        }
    }

    private static int Mirror(int i, int n)
    {
        if (n == 1)
        {
            return 0;
        }

        var period = 2 * (n - 1);
        i = ((i % period) + period) % period;
        return i < n ? i : period - i;
    }

    // cubic B-spline interpolation coefficients with mirror boundaries (Unser; scipy's ni_splines.c)
    private static void Prefilter(Span<double> c)
    {
        var n = c.Length;
        if (n == 1)
        {
            return;
        }

        var z = s_pole;
        var gain = (1 - z) * (1 - 1 / z);
        for (var i = 0; i < n; i++)
        {
            c[i] *= gain;
        }

        // causal init, mirror
        var zn1 = Math.Pow(z, n - 1);
        var zi = z;
        var c0 = c[0] + zn1 * c[n - 1];
        for (var i = 1; i < n - 1; i++)
        {
            c0 += zi * (c[i] + zn1 * c[n - 1 - i]);
            zi *= z;
        }

        c[0] = c0 / (1 - zn1 * zn1);
        for (var i = 1; i < n; i++)
        {
            c[i] += z * c[i - 1];
        }

        // anti-causal init, mirror
        c[n - 1] = z / (z * z - 1) * (z * c[n - 2] + c[n - 1]);
        for (var i = n - 2; i >= 0; i--)
        {
            c[i] = z * (c[i + 1] - c[i]);
        }
    }
}
