using System.Buffers;
using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Idrp.Analysis.Stm.Processing;

/// <summary>
/// Radix-2 complex FFTs on split real/imaginary arrays, built on one kernel: a batch of transforms along axis 0 of a
/// row-major <c>n x width</c> matrix, vectorised across the columns (each butterfly combines two whole rows with
/// <see cref="Vector{T}"/>). 1-D transforms use the four-step method on that kernel (column FFTs, twiddles, transpose,
/// column FFTs); real 2-D transforms (<see cref="RealFft2D"/>) pack even and odd samples into one half-length complex
/// transform. Plans (twiddles, bit reversal) are cached per length and immutable; all methods are thread safe.
/// No scaling anywhere except <see cref="Inverse"/> (1/n, numpy's <c>ifft</c>).
/// </summary>
internal static class Fft
{
    public static bool IsPowerOfTwo(int n) => n > 0 && (n & (n - 1)) == 0;

    public static int NextPowerOfTwo(long n)
    {
        var p = 1;
        while (p < n)
        {
            p = checked(p * 2);
        }

        return p;
    }

    /// <summary>Forward transform, no scaling (numpy's <c>fft</c>).</summary>
    public static void Forward(Span<double> re, Span<double> im) => Transform(re, im, inverse: false);

    /// <summary>Inverse transform, scaled by 1/n (numpy's <c>ifft</c>).</summary>
    public static void Inverse(Span<double> re, Span<double> im)
    {
        Transform(re, im, inverse: true);
        var scale = 1.0 / re.Length;
        Scale(re, scale);
        Scale(im, scale);
    }

    /// <summary>Multiplies every value by <paramref name="factor"/>.</summary>
    public static void Scale(Span<double> values, double factor)
    {
        var i = 0;
        var f = new Vector<double>(factor);
        ref var v = ref MemoryMarshal.GetReference(values);
        for (; i <= values.Length - Vector<double>.Count; i += Vector<double>.Count)
        {
            (Vector.LoadUnsafe(ref v, (nuint)i) * f).StoreUnsafe(ref v, (nuint)i);
        }

        for (; i < values.Length; i++)
        {
            values[i] *= factor;
        }
    }

    /// <summary>Unscaled 1-D transform of length n (a power of two).</summary>
    public static void Transform(Span<double> re, Span<double> im, bool inverse)
    {
        var n = re.Length;
        if (!IsPowerOfTwo(n) || im.Length != n)
        {
            throw new ArgumentException($"FFT length {n} is not a power of two (or the arrays differ in length).");
        }

        if (n <= 256)
        {
            FftPlan.Get(n).Columns(re, im, 1, inverse);
            return;
        }

        // four-step: n = n1 x n2, M[j1][j2] = x[j1 n2 + j2]; FFT along axis 0, twiddle W_n^(j2 k1), transpose, FFT along axis 0
        var log = BitOperations.Log2((uint)n);
        var n1 = 1 << (log / 2);
        var n2 = n / n1;
        FftPlan.Get(n1).Columns(re, im, n2, inverse);
        var twiddles = FftPlan.Get(n);
        var sign = inverse ? 1.0 : -1.0;
        for (var k1 = 1; k1 < n1; k1++)
        {
            var row = k1 * n2;
            for (var j2 = 1; j2 < n2; j2++)
            {
                var (wr, wi) = twiddles.Twiddle(k1 * j2, sign);
                var a = re[row + j2];
                var b = im[row + j2];
                re[row + j2] = a * wr - b * wi;
                im[row + j2] = a * wi + b * wr;
            }
        }

        var tr = ArrayPool<double>.Shared.Rent(n);
        var ti = ArrayPool<double>.Shared.Rent(n);
        try
        {
            Transpose(re, tr, n1, n2);
            Transpose(im, ti, n1, n2);
            FftPlan.Get(n2).Columns(tr.AsSpan(0, n), ti.AsSpan(0, n), n1, inverse);
            tr.AsSpan(0, n).CopyTo(re);
            ti.AsSpan(0, n).CopyTo(im);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(tr);
            ArrayPool<double>.Shared.Return(ti);
        }
    }

    /// <summary>target[c * rows + r] = source[r * columns + c], in cache-sized tiles.</summary>
    public static void Transpose(ReadOnlySpan<double> source, Span<double> target, int rows, int columns)
    {
        const int tile = 32;
        for (var r0 = 0; r0 < rows; r0 += tile)
        {
            var r1 = Math.Min(rows, r0 + tile);
            for (var c0 = 0; c0 < columns; c0 += tile)
            {
                var c1 = Math.Min(columns, c0 + tile);
                for (var r = r0; r < r1; r++)
                {
                    for (var c = c0; c < c1; c++)
                    {
                        target[c * rows + r] = source[r * columns + c];
                    }
                }
            }
        }
    }
}

/// <summary>Twiddles and bit reversal of one power-of-two length, and the column-batched kernel. Immutable, cached.</summary>
internal sealed class FftPlan
{
    private static readonly ConcurrentDictionary<int, FftPlan> s_plans = new();
    private readonly double[] _cos;
    private readonly double[] _sin;
    private readonly (int A, int B)[] _swaps;

    private FftPlan(int n)
    {
        N = n;
        _cos = new double[Math.Max(1, n / 2)];
        _sin = new double[Math.Max(1, n / 2)];
        for (var k = 0; k < n / 2; k++)
        {
            var angle = 2 * Math.PI * k / n;
            _cos[k] = Math.Cos(angle);
            _sin[k] = Math.Sin(angle);
        }

        var swaps = new List<(int, int)>();
        for (int i = 1, j = 0; i < n; i++)
        {
            var bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1)
            {
                j ^= bit;
            }

            j ^= bit;
            if (i < j)
            {
                swaps.Add((i, j));
            }
        }

        _swaps = [.. swaps];
    }

    public int N { get; }

    public static FftPlan Get(int n) => s_plans.GetOrAdd(n, static size => new FftPlan(size));

    /// <summary>exp(sign 2 pi i k / N) for any k (reduced mod N).</summary>
    public (double Re, double Im) Twiddle(long k, double sign)
    {
        k %= N;
        if (k < N / 2)
        {
            return (_cos[k], sign * _sin[k]);
        }

        // e^(i pi) factor
        return (-_cos[k - N / 2], -sign * _sin[k - N / 2]);
    }

    /// <summary>Unscaled transforms of length N along axis 0 of the N x width matrices re, im (row-major).</summary>
    public void Columns(Span<double> re, Span<double> im, int width, bool inverse)
    {
        var n = N;
        if (re.Length < n * width || im.Length < n * width)
        {
            throw new ArgumentException($"FFT of {n} x {width} needs {n * width} values.");
        }

        if (n == 1)
        {
            return;
        }

        foreach (var (a, b) in _swaps)
        {
            SwapRows(re, a, b, width);
            SwapRows(im, a, b, width);
        }

        ref var r0 = ref MemoryMarshal.GetReference(re);
        ref var i0 = ref MemoryMarshal.GetReference(im);
        var sign = inverse ? 1.0 : -1.0;

        // first stage (len 2): twiddle 1
        for (var start = 0; start < n; start += 2)
        {
            Butterfly1(ref r0, ref i0, start * width, (start + 1) * width, width);
        }

        for (var len = 4; len <= n; len <<= 1)
        {
            var half = len >> 1;
            var step = n / len;
            for (var start = 0; start < n; start += len)
            {
                Butterfly1(ref r0, ref i0, start * width, (start + half) * width, width);
                for (var k = 1; k < half; k++)
                {
                    var a = (start + k) * width;
                    Butterfly(ref r0, ref i0, a, a + half * width, width, _cos[k * step], sign * _sin[k * step]);
                }
            }
        }
    }

    private static void SwapRows(Span<double> values, int a, int b, int width)
    {
        if (width == 1)
        {
            (values[a], values[b]) = (values[b], values[a]);
            return;
        }

        // in place, a vector at a time: no scratch row (wide rows used to allocate one per swap)
        ref var rowA = ref MemoryMarshal.GetReference(values.Slice(a * width, width));
        ref var rowB = ref MemoryMarshal.GetReference(values.Slice(b * width, width));
        var c = 0;
        for (; c <= width - Vector<double>.Count; c += Vector<double>.Count)
        {
            var x = Vector.LoadUnsafe(ref rowA, (nuint)c);
            Vector.LoadUnsafe(ref rowB, (nuint)c).StoreUnsafe(ref rowA, (nuint)c);
            x.StoreUnsafe(ref rowB, (nuint)c);
        }

        for (; c < width; c++)
        {
            (Unsafe.Add(ref rowA, c), Unsafe.Add(ref rowB, c)) = (Unsafe.Add(ref rowB, c), Unsafe.Add(ref rowA, c));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Butterfly1(ref double re, ref double im, int a, int b, int width)
    {
        var c = 0;
        for (; c <= width - Vector<double>.Count; c += Vector<double>.Count)
        {
            var ar = Vector.LoadUnsafe(ref re, (nuint)(a + c));
            var ai = Vector.LoadUnsafe(ref im, (nuint)(a + c));
            var br = Vector.LoadUnsafe(ref re, (nuint)(b + c));
            var bi = Vector.LoadUnsafe(ref im, (nuint)(b + c));
            (ar + br).StoreUnsafe(ref re, (nuint)(a + c));
            (ai + bi).StoreUnsafe(ref im, (nuint)(a + c));
            (ar - br).StoreUnsafe(ref re, (nuint)(b + c));
            (ai - bi).StoreUnsafe(ref im, (nuint)(b + c));
        }

        for (; c < width; c++)
        {
            double ar = Unsafe.Add(ref re, a + c), ai = Unsafe.Add(ref im, a + c);
            double br = Unsafe.Add(ref re, b + c), bi = Unsafe.Add(ref im, b + c);
            Unsafe.Add(ref re, a + c) = ar + br;
            Unsafe.Add(ref im, a + c) = ai + bi;
            Unsafe.Add(ref re, b + c) = ar - br;
            Unsafe.Add(ref im, b + c) = ai - bi;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Butterfly(ref double re, ref double im, int a, int b, int width, double wr, double wi)
    {
        var c = 0;
        if (width >= Vector<double>.Count)
        {
            var vwr = new Vector<double>(wr);
            var vwi = new Vector<double>(wi);
            for (; c <= width - Vector<double>.Count; c += Vector<double>.Count)
            {
                var br = Vector.LoadUnsafe(ref re, (nuint)(b + c));
                var bi = Vector.LoadUnsafe(ref im, (nuint)(b + c));
                var xr = br * vwr - bi * vwi;
                var xi = br * vwi + bi * vwr;
                var ar = Vector.LoadUnsafe(ref re, (nuint)(a + c));
                var ai = Vector.LoadUnsafe(ref im, (nuint)(a + c));
                (ar + xr).StoreUnsafe(ref re, (nuint)(a + c));
                (ai + xi).StoreUnsafe(ref im, (nuint)(a + c));
                (ar - xr).StoreUnsafe(ref re, (nuint)(b + c));
                (ai - xi).StoreUnsafe(ref im, (nuint)(b + c));
            }
        }

        for (; c < width; c++)
        {
            double br = Unsafe.Add(ref re, b + c), bi = Unsafe.Add(ref im, b + c);
            var xr = br * wr - bi * wi;
            var xi = br * wi + bi * wr;
            double ar = Unsafe.Add(ref re, a + c), ai = Unsafe.Add(ref im, a + c);
            Unsafe.Add(ref re, a + c) = ar + xr;
            Unsafe.Add(ref im, a + c) = ai + xi;
            Unsafe.Add(ref re, b + c) = ar - xr;
            Unsafe.Add(ref im, b + c) = ai - xi;
        }
    }
}
