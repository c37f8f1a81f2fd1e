using System.Collections.Concurrent;

namespace Idrp.Analysis.Stm.Processing;

/// <summary>
/// In-place iterative radix-2 complex FFT on split real/imaginary arrays. Twiddles are cached per size, so
/// repeated transforms of one size allocate nothing. Thread safe (the cache is immutable once built).
/// </summary>
internal static class Fft
{
    private static readonly ConcurrentDictionary<int, (double[] Cos, double[] Sin)> s_twiddles = new();

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
        for (var i = 0; i < re.Length; i++)
        {
            re[i] *= scale;
            im[i] *= scale;
        }
    }

    private static void Transform(Span<double> re, Span<double> im, bool inverse)
    {
        var n = re.Length;
        if (!IsPowerOfTwo(n) || im.Length != n)
        {
            throw new ArgumentException($"FFT length {n} is not a power of two (or the arrays differ in length).");
        }

        if (n == 1)
        {
            return;
        }

        // bit reversal
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
                (re[i], re[j]) = (re[j], re[i]);
                (im[i], im[j]) = (im[j], im[i]);
            }
        }

        var (cos, sin) = s_twiddles.GetOrAdd(n, Twiddles);
        var sign = inverse ? 1.0 : -1.0;
        for (var len = 2; len <= n; len <<= 1)
        {
            var half = len >> 1;
            var step = n / len;
            for (var start = 0; start < n; start += len)
            {
                for (var k = 0; k < half; k++)
                {
                    var wr = cos[k * step];
                    var wi = sign * sin[k * step];
                    var a = start + k;
                    var b = a + half;
                    var xr = re[b] * wr - im[b] * wi;
                    var xi = re[b] * wi + im[b] * wr;
                    re[b] = re[a] - xr;
                    im[b] = im[a] - xi;
                    re[a] += xr;
                    im[a] += xi;
                }
            }
        }
    }

    private static (double[] Cos, double[] Sin) Twiddles(int n)
    {
        var cos = new double[n / 2];
        var sin = new double[n / 2];
        for (var k = 0; k < n / 2; k++)
        {
            var angle = 2 * Math.PI * k / n;
            cos[k] = Math.Cos(angle);
            sin[k] = Math.Sin(angle);
        }

        return (cos, sin);
    }
}
