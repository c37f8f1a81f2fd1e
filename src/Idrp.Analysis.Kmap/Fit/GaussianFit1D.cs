namespace Idrp.Analysis.Kmap.Fit;

/// <summary>
/// Levenberg-Marquardt fit of y = A exp(-(x - mu)^2 / (2 sigma^2)) [+ B] to a short profile, with the analytic
/// Jacobian and a 3x3 / 4x4 normal-equation solve; allocation-free. Static and thread-safe.
/// </summary>
internal static class GaussianFit1D
{
    private const int MaxIterations = 200;

    /// <summary>Moment estimates used as the LM start and as the centre-of-mass result.</summary>
    public static bool Moments(ReadOnlySpan<double> x, ReadOnlySpan<double> y, double background, out double centre, out double sigma, out double max)
    {
        double s0 = 0, s1 = 0;
        max = double.MinValue;
        for (var i = 0; i < x.Length; i++)
        {
            var w = y[i] - background;
            max = Math.Max(max, y[i]);
            if (w > 0)
            {
                s0 += w;
                s1 += w * x[i];
            }
        }

        if (!(s0 > 0))
        {
            centre = sigma = double.NaN;
            return false;
        }

        centre = s1 / s0;
        double s2 = 0;
        for (var i = 0; i < x.Length; i++)
        {
            var w = y[i] - background;
            if (w > 0)
            {
                s2 += w * (x[i] - centre) * (x[i] - centre);
            }
        }

        sigma = Math.Sqrt(s2 / s0);
        return true;
    }

    /// <summary>Fits the profile; returns the status flags and the parameters.</summary>
    public static FitStatus Fit(ReadOnlySpan<double> x, ReadOnlySpan<double> y, bool withBackground, out double amplitude, out double centre, out double sigma, out double background)
    {
        var np = withBackground ? 4 : 3;
        var min = double.MaxValue;
        var max = double.MinValue;
        var imax = 0;
        for (var i = 0; i < y.Length; i++)
        {
            min = Math.Min(min, y[i]);
            if (y[i] > max)
            {
                max = y[i];
                imax = i;
            }
        }

        background = withBackground ? min : 0;
        amplitude = max - background;
        centre = x[imax];
        if (y.Length < np + 1 || !(amplitude > 0))
        {
            sigma = double.NaN;
            return FitStatus.NoData;
        }

        // Start from the half-maximum width around the maximum (robust against a broad, flat wing).
        var half = background + (amplitude / 2);
        var lo = imax;
        while (lo > 0 && y[lo] > half)
        {
            lo--;
        }

        var hi = imax;
        while (hi < y.Length - 1 && y[hi] > half)
        {
            hi++;
        }

        var step = x.Length > 1 ? Math.Abs(x[1] - x[0]) : 1.0;
        sigma = Math.Max(step / 2, Math.Abs(x[hi] - x[lo]) / 2.3548);

        Span<double> p = [amplitude, centre, sigma, background];
        Span<double> trial = stackalloc double[4];
        Span<double> jtj = stackalloc double[16];
        Span<double> jtr = stackalloc double[4];
        Span<double> a = stackalloc double[16];
        Span<double> delta = stackalloc double[4];
        var lambda = 1e-3;
        var chi2 = Chi2(x, y, p, withBackground);
        var converged = false;
        Span<double> j = stackalloc double[4];
        for (var iteration = 0; iteration < MaxIterations; iteration++)
        {
            jtj.Clear();
            jtr.Clear();
            for (var i = 0; i < x.Length; i++)
            {
                var d = x[i] - p[1];
                var s2 = p[2] * p[2];
                var e = Math.Exp(-d * d / (2 * s2));
                var model = (p[0] * e) + (withBackground ? p[3] : 0);
                var r = y[i] - model;
                j[0] = e;
                j[1] = p[0] * e * d / s2;
                j[2] = p[0] * e * d * d / (s2 * p[2]);
                j[3] = 1;
                for (var m = 0; m < np; m++)
                {
                    jtr[m] += j[m] * r;
                    for (var n = 0; n < np; n++)
                    {
                        jtj[(m * 4) + n] += j[m] * j[n];
                    }
                }
            }

            var improved = false;
            for (var attempt = 0; attempt < 20 && !improved; attempt++)
            {
                jtj.CopyTo(a);
                for (var m = 0; m < np; m++)
                {
                    a[(m * 4) + m] *= 1 + lambda;
                }

                if (!Solve(a, jtr, delta, np))
                {
                    lambda *= 10;
                    continue;
                }

                p.CopyTo(trial);
                for (var m = 0; m < np; m++)
                {
                    trial[m] += delta[m];
                }

                var c2 = Chi2(x, y, trial, withBackground);
                if (c2 <= chi2 && trial[2] != 0)
                {
                    var relative = (chi2 - c2) / Math.Max(chi2, 1e-300);
                    trial.CopyTo(p);
                    chi2 = c2;
                    lambda = Math.Max(lambda / 10, 1e-12);
                    improved = true;
                    if (relative < 1e-14 || Math.Abs(delta[1]) < 1e-12 * Math.Max(Math.Abs(p[1]), 1e-12))
                    {
                        converged = true;
                    }
                }
                else
                {
                    lambda *= 10;
                }
            }

            if (!improved)
            {
                // No step lowers chi2 even with heavy damping: at the minimum to machine precision.
                converged = true;
            }

            if (converged)
            {
                break;
            }
        }

        amplitude = p[0];
        centre = p[1];
        sigma = Math.Abs(p[2]);
        background = withBackground ? p[3] : 0;
        var status = converged && double.IsFinite(centre) && double.IsFinite(sigma) ? FitStatus.Ok : FitStatus.NotConverged;
        var x0 = Math.Min(x[0], x[^1]);
        var x1 = Math.Max(x[0], x[^1]);
        if (!(centre >= x0 && centre <= x1))
        {
            status |= FitStatus.CentreOutsideRange;
        }

        return status;
    }

    private static double Chi2(ReadOnlySpan<double> x, ReadOnlySpan<double> y, ReadOnlySpan<double> p, bool withBackground)
    {
        var s2 = p[2] * p[2];
        double sum = 0;
        for (var i = 0; i < x.Length; i++)
        {
            var d = x[i] - p[1];
            var r = y[i] - (p[0] * Math.Exp(-d * d / (2 * s2))) - (withBackground ? p[3] : 0);
            sum += r * r;
        }

        return sum;
    }

    /// <summary>Solves a (n x n, row stride 4) x = b by Gaussian elimination with partial pivoting; a and b are scratch.</summary>
    private static bool Solve(Span<double> a, ReadOnlySpan<double> b, Span<double> x, int n)
    {
        Span<double> r = stackalloc double[4];
        b.CopyTo(r);
        for (var col = 0; col < n; col++)
        {
            var pivot = col;
            for (var row = col + 1; row < n; row++)
            {
                if (Math.Abs(a[(row * 4) + col]) > Math.Abs(a[(pivot * 4) + col]))
                {
                    pivot = row;
                }
            }

            if (Math.Abs(a[(pivot * 4) + col]) < 1e-300)
            {
                return false;
            }

            if (pivot != col)
            {
                for (var k = 0; k < n; k++)
                {
                    (a[(col * 4) + k], a[(pivot * 4) + k]) = (a[(pivot * 4) + k], a[(col * 4) + k]);
                }

                (r[col], r[pivot]) = (r[pivot], r[col]);
            }

            for (var row = col + 1; row < n; row++)
            {
                var f = a[(row * 4) + col] / a[(col * 4) + col];
                for (var k = col; k < n; k++)
                {
                    a[(row * 4) + k] -= f * a[(col * 4) + k];
                }

                r[row] -= f * r[col];
            }
        }

        for (var row = n - 1; row >= 0; row--)
        {
            var s = r[row];
            for (var k = row + 1; k < n; k++)
            {
                s -= a[(row * 4) + k] * x[k];
            }

            x[row] = s / a[(row * 4) + row];
        }

        return true;
    }
}
