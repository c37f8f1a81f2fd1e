namespace Idrp.Analysis.Stm.Processing;

/// <summary>Numerical helpers the corrections need and the BCL lacks.</summary>
internal static class SpecialFunctions
{
    /// <summary>The error function, to about 1e-14 absolute: Taylor series below |x| = 2.5, Lentz's continued fraction for erfc above.</summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x))
        {
            return double.NaN;
        }

        var ax = Math.Abs(x);
        if (ax < 2.5)
        {
            // erf x = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1))
            double sum = 0, term = ax, x2 = ax * ax;
            for (var n = 0; n < 200; n++)
            {
                var add = term / (2 * n + 1);
                sum += add;
                if (Math.Abs(add) < 1e-17 * Math.Abs(sum))
                {
                    break;
                }

                term *= -x2 / (n + 1);
            }

            var value = 2 / Math.Sqrt(Math.PI) * sum;
            return x < 0 ? -value : value;
        }

        var erfc = Erfc(ax);
        return x < 0 ? erfc - 1 : 1 - erfc;
    }

    // erfc x = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))) for x >= 2.5
    private static double Erfc(double x)
    {
        const double tiny = 1e-300;
        var f = x;
        var c = x;
        var d = 0.0;
        for (var n = 1; n < 500; n++)
        {
            var a = n / 2.0;
            d = x + a * d;
            d = Math.Abs(d) < tiny ? tiny : d;
            c = x + a / c;
            c = Math.Abs(c) < tiny ? tiny : c;
            d = 1 / d;
            var delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-16)
            {
                break;
            }
        }

        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / f;
    }
}
