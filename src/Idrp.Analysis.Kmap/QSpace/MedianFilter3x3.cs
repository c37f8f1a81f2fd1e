using System.Numerics;

namespace Idrp.Analysis.Kmap.QSpace;

/// <summary>
/// 3x3 median filter of a frame with zero padding (scipy.signal.medfilt2d). A median of nine values is zero
/// unless at least five are non-zero, so the filter first counts non-zero neighbours with vectors and sorts
/// only where five or more are set; on sparse detector frames that skips almost every pixel.
/// </summary>
public static class MedianFilter3x3
{
    /// <summary>
    /// Filters <paramref name="source"/> (rows * columns, row-major) into <paramref name="destination"/>.
    /// <paramref name="scratch"/> must hold at least 2 * (columns + 2 + Vector&lt;T&gt;.Count) elements. Buffers must not overlap.
    /// </summary>
    public static void Apply<T>(ReadOnlySpan<T> source, Span<T> destination, int rows, int columns, Span<T> scratch)
        where T : unmanaged, IBinaryInteger<T>
    {
        var n = rows * columns;
        ArgumentOutOfRangeException.ThrowIfLessThan(source.Length, n);
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, n);
        var width = Vector<T>.Count;
        var padded = columns + 2 + width;
        ArgumentOutOfRangeException.ThrowIfLessThan(scratch.Length, 2 * padded);

        // vertical[c + 1] = number of non-zero pixels among (r-1, c), (r, c), (r+1, c); vertical[0] and the tail stay 0.
        var vertical = scratch[..padded];
        vertical.Clear();
        var one = Vector<T>.One;
        for (var r = 0; r < rows; r++)
        {
            var mid = source.Slice(r * columns, columns);
            var up = r > 0 ? source.Slice((r - 1) * columns, columns) : default;
            var down = r < rows - 1 ? source.Slice((r + 1) * columns, columns) : default;
            var c = 0;
            for (; c <= columns - width; c += width)
            {
                var count = NonZero(new Vector<T>(mid[c..]), one);
                if (!up.IsEmpty)
                {
                    count += NonZero(new Vector<T>(up[c..]), one);
                }

                if (!down.IsEmpty)
                {
                    count += NonZero(new Vector<T>(down[c..]), one);
                }

                count.CopyTo(vertical[(c + 1)..]);
            }

            for (; c < columns; c++)
            {
                var count = T.Zero;
                count += mid[c] != T.Zero ? T.One : T.Zero;
                count += !up.IsEmpty && up[c] != T.Zero ? T.One : T.Zero;
                count += !down.IsEmpty && down[c] != T.Zero ? T.One : T.Zero;
                vertical[c + 1] = count;
            }

            var dst = destination.Slice(r * columns, columns);
            var four = Vector.Create(T.CreateTruncating(4));
            c = 0;
            for (; c <= columns - width; c += width)
            {
                var h = new Vector<T>(vertical[c..]) + new Vector<T>(vertical[(c + 1)..]) + new Vector<T>(vertical[(c + 2)..]);
                if (!Vector.GreaterThanAny(h, four))
                {
                    Vector<T>.Zero.CopyTo(dst[c..]);
                    continue;
                }

                for (var l = 0; l < width; l++)
                {
                    dst[c + l] = h[l] > T.CreateTruncating(4) ? Median(source, rows, columns, r, c + l) : T.Zero;
                }
            }

            for (; c < columns; c++)
            {
                var h = vertical[c] + vertical[c + 1] + vertical[c + 2];
                dst[c] = h > T.CreateTruncating(4) ? Median(source, rows, columns, r, c) : T.Zero;
            }
        }
    }

    private static Vector<T> NonZero<T>(Vector<T> v, Vector<T> one)
        where T : unmanaged, IBinaryInteger<T> =>
        Vector.AndNot(one, Vector.Equals(v, Vector<T>.Zero));

    /// <summary>Median of the 3x3 neighbourhood of (r, c), out-of-frame neighbours counted as zero.</summary>
    internal static T Median<T>(ReadOnlySpan<T> s, int rows, int columns, int r, int c)
        where T : unmanaged, IBinaryInteger<T>
    {
        Span<T> v = stackalloc T[9];
        var i = 0;
        for (var dr = -1; dr <= 1; dr++)
        {
            var rr = r + dr;
            for (var dc = -1; dc <= 1; dc++)
            {
                var cc = c + dc;
                v[i++] = rr >= 0 && rr < rows && cc >= 0 && cc < columns ? s[(rr * columns) + cc] : T.Zero;
            }
        }

        // Optimal 19-exchange median-of-9 network (Paeth / Devillard).
        Sort(v, 1, 2); Sort(v, 4, 5); Sort(v, 7, 8);
        Sort(v, 0, 1); Sort(v, 3, 4); Sort(v, 6, 7);
        Sort(v, 1, 2); Sort(v, 4, 5); Sort(v, 7, 8);
        Sort(v, 0, 3); Sort(v, 5, 8); Sort(v, 4, 7);
        Sort(v, 3, 6); Sort(v, 1, 4); Sort(v, 2, 5);
        Sort(v, 4, 7); Sort(v, 4, 2); Sort(v, 6, 4);
        Sort(v, 4, 2);
        return v[4];
    }

    private static void Sort<T>(Span<T> v, int a, int b)
        where T : unmanaged, IBinaryInteger<T>
    {
        if (v[a] > v[b])
        {
            (v[a], v[b]) = (v[b], v[a]);
        }
    }
}
