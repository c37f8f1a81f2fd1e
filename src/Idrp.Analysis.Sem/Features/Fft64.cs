namespace Idrp.Analysis.Sem.Features;

/// <summary>In-place radix-2 complex FFT of 64 × 64 tiles (the Welch spectrum's tile size). Thread-safe (tables are read-only).</summary>
internal static class Fft64
{
    public const int N = 64;
    private const int Log2N = 6;
    private static readonly int[] s_reverse = BuildReverse();
    private static readonly float[] s_cos = new float[N / 2];
    private static readonly float[] s_sin = new float[N / 2];

    static Fft64()
    {
        for (var k = 0; k < N / 2; k++)
        {
            s_cos[k] = (float)Math.Cos(-2 * Math.PI * k / N);
            s_sin[k] = (float)Math.Sin(-2 * Math.PI * k / N);
        }
    }

    /// <summary>Forward 2-D transform of <paramref name="re"/>, <paramref name="im"/> (N × N, row-major).</summary>
    public static void Forward2D(Span<float> re, Span<float> im)
    {
        for (var y = 0; y < N; y++)
        {
            Forward(re.Slice(y * N, N), im.Slice(y * N, N), 1);
        }

        for (var x = 0; x < N; x++)
        {
            Forward(re[x..], im[x..], N);
        }
    }

    /// <summary>One 1-D transform over N elements spaced <paramref name="stride"/> apart.</summary>
    private static void Forward(Span<float> re, Span<float> im, int stride)
    {
        for (var i = 0; i < N; i++)
        {
            var j = s_reverse[i];
            if (j > i)
            {
                (re[i * stride], re[j * stride]) = (re[j * stride], re[i * stride]);
                (im[i * stride], im[j * stride]) = (im[j * stride], im[i * stride]);
            }
        }

        for (var size = 2; size <= N; size <<= 1)
        {
            var half = size >> 1;
            var step = N / size;
            for (var start = 0; start < N; start += size)
            {
                for (var k = 0; k < half; k++)
                {
                    var wr = s_cos[k * step];
                    var wi = s_sin[k * step];
                    var a = (start + k) * stride;
                    var b = (start + k + half) * stride;
                    var tr = (re[b] * wr) - (im[b] * wi);
                    var ti = (re[b] * wi) + (im[b] * wr);
                    re[b] = re[a] - tr;
                    im[b] = im[a] - ti;
                    re[a] += tr;
                    im[a] += ti;
                }
            }
        }
    }

    private static int[] BuildReverse()
    {
        var table = new int[N];
        for (var i = 0; i < N; i++)
        {
            var r = 0;
            for (var bit = 0; bit < Log2N; bit++)
            {
                if ((i & (1 << bit)) != 0)
                {
                    r |= 1 << (Log2N - 1 - bit);
                }
            }

            table[i] = r;
        }

        return table;
    }
}
