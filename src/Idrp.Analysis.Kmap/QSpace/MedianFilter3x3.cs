using System.Numerics;

namespace Idrp.Analysis.Kmap.QSpace;

/// <summary>
/// 3x3 median filter of a frame with zero padding (scipy.signal.medfilt2d). The median of nine non-negative values
/// is zero unless at least five are non-zero, so the filter first counts non-zero neighbours with vectors and runs
/// the median network only on vectors where some pixel has five or more; on sparse detector frames that skips
/// almost everything. The network itself (19 min/max exchanges) also runs on whole vectors.
/// </summary>
public static class MedianFilter3x3
{
    /// <summary>Scratch elements <see cref="Apply"/> needs for frames of <paramref name="columns"/> columns.</summary>
    public static int ScratchLength<T>(int columns)
        where T : unmanaged, IBinaryInteger<T> => 4 * (columns + 2 + Vector<T>.Count);

    /// <summary>
    /// Filters <paramref name="source"/> (rows * columns, row-major, values &gt;= 0) into <paramref name="destination"/>.
    /// <paramref name="scratch"/> must hold <see cref="ScratchLength"/> elements. Buffers must not overlap.
    /// </summary>
    public static void Apply<T>(ReadOnlySpan<T> source, Span<T> destination, int rows, int columns, Span<T> scratch)
        where T : unmanaged, IBinaryInteger<T>
    {
        var n = rows * columns;
        ArgumentOutOfRangeException.ThrowIfLessThan(source.Length, n);
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, n);
        ArgumentOutOfRangeException.ThrowIfLessThan(scratch.Length, ScratchLength<T>(columns));
        var width = Vector<T>.Count;
        var padded = columns + 2 + width;

        // Three zero-padded rows (previous, current, next; index c + 1 holds column c) and the vertical counts.
        var a = scratch[..padded];
        var b = scratch.Slice(padded, padded);
        var c3 = scratch.Slice(2 * padded, padded);
        var vertical = scratch.Slice(3 * padded, padded);
        a.Clear();
        b.Clear();
        c3.Clear();
        vertical.Clear();
        Span<T> prev = a, cur = b, next = c3;
        source[..columns].CopyTo(cur[1..]);
        if (rows > 1)
        {
            source.Slice(columns, columns).CopyTo(next[1..]);
        }

        Span<T> lanes = stackalloc T[width];
        var one = Vector<T>.One;
        var four = new Vector<T>(T.CreateTruncating(4));
        for (var r = 0; r < rows; r++)
        {
            for (var i = 0; i < columns + 2; i += width)
            {
                var count = NonZero(new Vector<T>(prev[i..]), one) + NonZero(new Vector<T>(cur[i..]), one) + NonZero(new Vector<T>(next[i..]), one);
                count.CopyTo(vertical[i..]);
            }

            var dst = destination.Slice(r * columns, columns);
            for (var col = 0; col < columns; col += width)
            {
                var h = new Vector<T>(vertical[col..]) + new Vector<T>(vertical[(col + 1)..]) + new Vector<T>(vertical[(col + 2)..]);
                var median = Vector.GreaterThanAny(h, four) ? Median(prev, cur, next, col) : Vector<T>.Zero;
                if (col + width <= columns)
                {
                    median.CopyTo(dst[col..]);
                }
                else
                {
                    median.CopyTo(lanes);
                    lanes[..(columns - col)].CopyTo(dst[col..]);
                }
            }

            // Rotate rows: the old previous row becomes the next one and receives row r + 2.
            var recycled = prev;
            prev = cur;
            cur = next;
            next = recycled;
            if (r + 2 < rows)
            {
                source.Slice((r + 2) * columns, columns).CopyTo(next[1..]);
            }
            else
            {
                next.Clear();
            }
        }
    }

    private static Vector<T> NonZero<T>(Vector<T> v, Vector<T> one)
        where T : unmanaged, IBinaryInteger<T> =>
        Vector.AndNot(one, Vector.Equals(v, Vector<T>.Zero));

    /// <summary>Median of the 3x3 neighbourhoods of columns col .. col + width - 1 (padded rows: column c at index c + 1).</summary>
    private static Vector<T> Median<T>(ReadOnlySpan<T> up, ReadOnlySpan<T> mid, ReadOnlySpan<T> down, int col)
        where T : unmanaged, IBinaryInteger<T>
    {
        var p0 = new Vector<T>(up[col..]);
        var p1 = new Vector<T>(up[(col + 1)..]);
        var p2 = new Vector<T>(up[(col + 2)..]);
        var p3 = new Vector<T>(mid[col..]);
        var p4 = new Vector<T>(mid[(col + 1)..]);
        var p5 = new Vector<T>(mid[(col + 2)..]);
        var p6 = new Vector<T>(down[col..]);
        var p7 = new Vector<T>(down[(col + 1)..]);
        var p8 = new Vector<T>(down[(col + 2)..]);

        // Optimal 19-exchange median-of-9 network (Paeth / Devillard), lane-wise.
        Sort(ref p1, ref p2); Sort(ref p4, ref p5); Sort(ref p7, ref p8);
        Sort(ref p0, ref p1); Sort(ref p3, ref p4); Sort(ref p6, ref p7);
        Sort(ref p1, ref p2); Sort(ref p4, ref p5); Sort(ref p7, ref p8);
        Sort(ref p0, ref p3); Sort(ref p5, ref p8); Sort(ref p4, ref p7);
        Sort(ref p3, ref p6); Sort(ref p1, ref p4); Sort(ref p2, ref p5);
        Sort(ref p4, ref p7); Sort(ref p4, ref p2); Sort(ref p6, ref p4);
        Sort(ref p4, ref p2);
        return p4;
    }

    private static void Sort<T>(ref Vector<T> a, ref Vector<T> b)
        where T : unmanaged, IBinaryInteger<T>
    {
        var min = Vector.Min(a, b);
        b = Vector.Max(a, b);
        a = min;
    }
}
