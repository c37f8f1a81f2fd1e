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

        // tridiagonal system in the second derivatives; not-a-knot rows folded into the first and last interior rows
        var a = new double[n]; var b = new double[n]; var c = new double[n]; var r = new double[n];
        for (var i = 1; i < n - 1; i++)
        {
            a[i] = h[i - 1];
            b[i] = 2 * (h[i - 1] + h[i]);
            c[i] = h[i];
            r[i] = 6 * ((y[i + 1] - y[i]) / h[i] - (y[i] - y[i - 1]) / h[i - 1]);
        }

        // row 0: h1 M0 - (h0 + h1) M1 + h0 M2 = 0, minus (h0 / h1) x row 1
        var f = h[0] / h[1];
        b[0] = h[1] - f * a[1];
        c[0] = -(h[0] + h[1]) - f * b[1];
        r[0] = -f * r[1];
        // row n-1: h[n-2] M[n-3] - (h[n-3] + h[n-2]) M[n-2] + h[n-3] M[n-1] = 0, minus (h[n-2] / h[n-3]) x row n-2
        var g = h[n - 2] / h[n - 3];
        a[n - 1] = -(h[n - 3] + h[n - 2]) - g * b[n - 2];
        b[n - 1] = h[n - 3] - g * c[n - 2];
        r[n - 1] = -g * r[n - 2];

        // Thomas algorithm
        for (var i = 1; i < n; i++)
        {
            var w = a[i] / b[i - 1];
            b[i] -= w * c[i - 1];
            r[i] -= w * r[i - 1];
        }

        _m = new double[n];
        _m[n - 1] = r[n - 1] / b[n - 1];
        for (var i = n - 2; i >= 0; i--)
        {
            _m[i] = (r[i] - c[i] * _m[i + 1]) / b[i];
        }
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
