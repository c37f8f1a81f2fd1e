namespace Idrp.Analysis.Stm.Processing;

/// <summary>
/// Interpolating cubic spline with not-a-knot ends: the curve scipy's <c>splrep(x, y, s=0)</c> (k = 3) builds, evaluated
/// like <c>splev</c> (outside the data the end pieces extrapolate). <c>x</c> must increase strictly; at least 4 points.
/// </summary>
internal sealed class CubicSpline
{
    private readonly double[] _x;
    private readonly double[] _y;
    private readonly double[] _m; // second derivatives

    public CubicSpline(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        var n = x.Length;
        if (n < 4 || y.Length != n)
        {
            throw new ArgumentException("A not-a-knot cubic spline needs at least 4 points and as many values.");
        }

        _x = x.ToArray();
        _y = y.ToArray();
        var h = new double[n - 1];
        for (var i = 0; i < n - 1; i++)
        {
            h[i] = x[i + 1] - x[i];
            if (!(h[i] > 0))
            {
                throw new ArgumentException("Spline abscissae must increase strictly.");
            }
        }

        // second derivatives M: interior rows h[i-1] M[i-1] + 2(h[i-1] + h[i]) M[i] + h[i] M[i+1] = r[i]; the not-a-knot
        // conditions (third derivative continuous at x[1] and x[n-2]) give M[0] and M[n-1] from their neighbours, which
        // are substituted into the first and last interior rows: a tridiagonal system in M[1] .. M[n-2]
        var m = n - 2;
        var a = new double[m]; var b = new double[m]; var c = new double[m]; var r = new double[m];
        for (var k = 0; k < m; k++)
        {
            var i = k + 1;
            a[k] = h[i - 1];
            b[k] = 2 * (h[i - 1] + h[i]);
            c[k] = h[i];
            r[k] = 6 * ((y[i + 1] - y[i]) / h[i] - (y[i] - y[i - 1]) / h[i - 1]);
        }

        // M0 = ((h0 + h1) M1 - h0 M2) / h1
        b[0] += h[0] * (h[0] + h[1]) / h[1];
        c[0] -= h[0] * h[0] / h[1];
        // M[n-1] = ((h[n-3] + h[n-2]) M[n-2] - h[n-2] M[n-3]) / h[n-3]
        var hl = h[n - 2];
        var hp = h[n - 3];
        b[m - 1] += hl * (hp + hl) / hp;
        a[m - 1] -= hl * hl / hp;

        for (var k = 1; k < m; k++)
        {
            var w = a[k] / b[k - 1];
            b[k] -= w * c[k - 1];
            r[k] -= w * r[k - 1];
        }

        _m = new double[n];
        _m[m] = r[m - 1] / b[m - 1];
        for (var k = m - 2; k >= 0; k--)
        {
            _m[k + 1] = (r[k] - c[k] * _m[k + 2]) / b[k];
        }

        _m[0] = ((h[0] + h[1]) * _m[1] - h[0] * _m[2]) / h[1];
        _m[n - 1] = ((hp + hl) * _m[n - 2] - hl * _m[n - 3]) / hp;
    }

    public double Evaluate(double x)
    {
        var i = Array.BinarySearch(_x, x);
        i = i >= 0 ? i : ~i - 1;
        i = Math.Clamp(i, 0, _x.Length - 2);
        var h = _x[i + 1] - _x[i];
        var left = _x[i + 1] - x;
        var right = x - _x[i];
        return _m[i] * left * left * left / (6 * h) + _m[i + 1] * right * right * right / (6 * h)
            + (_y[i] / h - _m[i] * h / 6) * left + (_y[i + 1] / h - _m[i + 1] * h / 6) * right;
    }
}
