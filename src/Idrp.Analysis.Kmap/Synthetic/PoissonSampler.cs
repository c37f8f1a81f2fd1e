namespace Idrp.Analysis.Kmap.Synthetic;

/// <summary>
/// Poisson variates: multiplication (Knuth) below lambda = 10, Hoermann's PTRS transformed rejection above
/// (the algorithm numpy uses). Not thread-safe: one per thread, over its own <see cref="Random"/>.
/// </summary>
internal sealed class PoissonSampler(Random random)
{
    private static readonly double[] s_logFactorial = BuildLogFactorial();

    public double NextUniform() => random.NextDouble();

    public double NextGaussian()
    {
        // Box-Muller; one of the pair is discarded to keep the sampler stateless.
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    public int Next(double lambda)
    {
        if (lambda <= 0)
        {
            return 0;
        }

        if (lambda < 10)
        {
            var limit = Math.Exp(-lambda);
            var k = 0;
            var p = random.NextDouble();
            while (p > limit)
            {
                k++;
                p *= random.NextDouble();
            }

            return k;
        }

        var slam = Math.Sqrt(lambda);
        var loglam = Math.Log(lambda);
        var b = 0.931 + (2.53 * slam);
        var a = -0.059 + (0.02483 * b);
        var invalpha = 1.1239 + (1.1328 / (b - 3.4));
        var vr = 0.9277 - (3.6224 / (b - 2));
        while (true)
        {
            var u = random.NextDouble() - 0.5;
            var v = random.NextDouble();
            var us = 0.5 - Math.Abs(u);
            var k = (long)Math.Floor((((2 * a / us) + b) * u) + lambda + 0.43);
            if (us >= 0.07 && v <= vr)
            {
                return (int)k;
            }

            if (k < 0 || (us < 0.013 && v > us))
            {
                continue;
            }

            if (Math.Log(v) + Math.Log(invalpha) - Math.Log((a / (us * us)) + b) <= -lambda + (k * loglam) - LogFactorial(k))
            {
                return (int)k;
            }
        }
    }

    private static double LogFactorial(long k)
    {
        if (k < s_logFactorial.Length)
        {
            return s_logFactorial[k];
        }

        // Stirling series for ln(k!), error < 1e-12 for k >= 256.
        var x = k + 1.0;
        return ((x - 0.5) * Math.Log(x)) - x + (0.5 * Math.Log(2 * Math.PI)) + (1.0 / (12 * x)) - (1.0 / (360 * x * x * x));
    }

    private static double[] BuildLogFactorial()
    {
        var t = new double[256];
        for (var i = 1; i < t.Length; i++)
        {
            t[i] = t[i - 1] + Math.Log(i);
        }

        return t;
    }
}
