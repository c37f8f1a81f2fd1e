using Idrp.Analysis.Stm.Fast;

namespace Idrp.Analysis.Stm.Processing;

/// <summary>
/// Creep correction in y with pyfastspm 1.0.4's "sin" model (creep.py, <c>Creep.fit_creep</c>): the probe's y path is
/// linear for the first <c>1 - indexToLinear</c> of a sweep and then follows a sine arc whose end is fixed by the
/// shift between a down and the next up frame (measured by cross-correlating columns of frames 3 and 4); the arc's one
/// free parameter is fitted (bounded least squares) so that spline-interpolated up and down columns agree, on frames
/// 0 and 2 at the columns <c>linspace(nx/4, 3nx/4, 3)</c>, and the six results are averaged. The result is the
/// corrected y of every measured point, for <see cref="GridInterpolation"/>.
/// </summary>
/// <remarks>
/// Reproduced as written in pyfastspm, including that each fit compares the two splines at the y values of grid
/// <em>row</em> <c>col</c> (<c>ygridfold[row, :]</c> in <c>_get_diff_from_grid</c>, where a column looks intended).
/// scipy's trust-region fit is replaced by a bounded Gauss-Newton search from the same start; both find the local
/// minimum nearest the start. Thread safe (pure function).
/// </remarks>
public static class CreepCorrection
{
    /// <summary>Fits the creep parameter (unless <paramref name="knownParameter"/> is given) and returns the corrected grids.</summary>
    /// <param name="frames">At least the first 5 frames of an up-down movie (row-major, frame after frame), phase-corrected and filtered as they will be interpolated.</param>
    /// <param name="channels">An up-down channel set (<c>udf</c>, <c>udb</c> or <c>udi</c>).</param>
    /// <param name="rows">Frame rows.</param>
    /// <param name="columns">Frame columns.</param>
    /// <param name="indexToLinear">Fraction of the sweep that is the creep arc (pyfastspm's notebook: 0.2; values >= 1 are rows).</param>
    /// <param name="initialGuess">Start of the fit (notebook: 0.3).</param>
    /// <param name="knownParameter">Skip the fit and use this parameter.</param>
    /// <exception cref="ArgumentException">Fewer than 5 frames, or a shift so large that the model is unphysical (pyfastspm's ValueError).</exception>
    public static CreepGrid Fit(ReadOnlySpan<float> frames, FastChannels channels, int rows, int columns,
        double indexToLinear = 0.2, double initialGuess = 0.3, double? knownParameter = null)
    {
        if (channels is not (FastChannels.UpDownForward or FastChannels.UpDownBackward or FastChannels.UpDownInterlaced))
        {
            throw new ArgumentException("Creep correction compares up and down frames: use udf, udb or udi.", nameof(channels));
        }

        var frameSize = rows * columns;
        if (frames.Length < 5 * frameSize)
        {
            throw new ArgumentException("Creep correction needs the first 5 frames.", nameof(frames));
        }

        var interlaced = channels == FastChannels.UpDownInterlaced;
        var model = new Model(interlaced ? rows : 2 * rows, columns, indexToLinear, interlaced);
        model.PixelShift = PixelShift(frames, rows, columns, interlaced, model.YPixels);
        var upper = model.UpperBound();
        double parameter;
        if (knownParameter is { } known)
        {
            parameter = known;
        }
        else
        {
            // the six fits (frames 0 and 2, three columns each) in parallel, summed in their order
            var fits = new List<(int Column, double[] Up, double[] Down)>();
            foreach (var frame in new[] { 0, 2 })
            {
                foreach (var column in ColumnsToFit(columns))
                {
                    fits.Add((column, Column(frames, frame, rows, columns, column), Column(frames, frame + 1, rows, columns, column)));
                }
            }

            var fitted = new double?[fits.Count];
            Parallel.For(0, fits.Count, i =>
                fitted[i] = FitOne(p => model.Residuals(p, fits[i].Up, fits[i].Down, fits[i].Column, channels), initialGuess, 0.01, upper));
            double sum = 0;
            var count = 0;
            foreach (var value in fitted)
            {
                if (value is { } v)
                {
                    sum += v;
                    count++;
                }
            }

            parameter = count == 0 ? initialGuess : sum / count;
        }

        var (gridUp, gridDown) = model.ShapeToGrid(model.Path(parameter));
        return new CreepGrid(gridUp, gridDown, parameter);
    }

    private static int[] ColumnsToFit(int columns)
    {
        var result = new int[3];
        for (var i = 0; i < 3; i++)
        {
            result[i] = (int)GridInterpolation.LinspaceAt(columns * 0.25, columns * 0.75, 3, i);
        }

        return result;
    }

    private static double[] Column(ReadOnlySpan<float> frames, int frame, int rows, int columns, int column)
    {
        var result = new double[rows];
        for (var r = 0; r < rows; r++)
        {
            result[r] = frames[frame * rows * columns + r * columns + column];
        }

        return result;
    }

    // pyfastspm Creep._get_shift(0.5): column-wise correlation of frames 3 and 4 over the middle half of the rows
    private static double PixelShift(ReadOnlySpan<float> frames, int rows, int columns, bool interlaced, int yPixels)
    {
        var cut = interlaced ? (int)(yPixels * 0.25) : (int)(yPixels / 2 * 0.25);
        var length = rows - 2 * cut;
        if (cut == 0 || length < 2)
        {
            throw new ArgumentException("Frames too small for creep correction.");
        }

        double sum = 0;
        var a = new double[length];
        var b = new double[length];
        for (var c = 0; c < columns; c++)
        {
            for (var r = 0; r < length; r++)
            {
                a[r] = frames[3 * rows * columns + (cut + r) * columns + c];
                b[r] = frames[4 * rows * columns + (cut + r) * columns + c];
            }

            Normalise(a);
            Normalise(b);
            sum += ArgMaxFullCorrelation(a, b);
        }

        var meanShift = sum / columns;
        return Math.Abs(length - (meanShift + 1));
    }

    private static void Normalise(double[] v)
    {
        double mean = 0;
        foreach (var x in v)
        {
            mean += x;
        }

        mean /= v.Length;
        double variance = 0;
        foreach (var x in v)
        {
            variance += (x - mean) * (x - mean);
        }

        var std = Math.Sqrt(variance / v.Length);
        for (var i = 0; i < v.Length; i++)
        {
            v[i] = (v[i] - mean) / std;
        }
    }

    internal static int ArgMaxFullCorrelation(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var n = a.Length;
        var best = double.NegativeInfinity;
        var bestIndex = 0;
        for (var k = 0; k < 2 * n - 1; k++)
        {
            var lag = k - (n - 1);
            double z = 0;
            for (int j = Math.Max(0, -lag), end = Math.Min(n, n - lag); j < end; j++)
            {
                z += a[j + lag] * b[j];
            }

            if (z > best)
            {
                best = z;
                bestIndex = k;
            }
        }

        return bestIndex;
    }

    // bounded Gauss-Newton on 0.5 * |r(p)|^2 with backtracking; null when the residuals are not finite
    private static double? FitOne(Func<double, double[]> residuals, double start, double lower, double upper)
    {
        var p = Math.Clamp(start, lower, upper);
        double[] r;
        try
        {
            r = residuals(p);
        }
        catch (ArgumentException)
        {
            return null;
        }

        var cost = Cost(r);
        if (!double.IsFinite(cost))
        {
            return null;
        }

        for (var iteration = 0; iteration < 100; iteration++)
        {
            var h = 1e-6 * Math.Max(1, Math.Abs(p)); // the residuals depend on p only through the splines' far knots: a step above their rounding noise
            var ph = p + h <= upper ? p + h : p - h;
            double[] rh;
            try
            {
                rh = residuals(ph);
            }
            catch (ArgumentException)
            {
                break;
            }

            double jtj = 0, jtr = 0;
            for (var i = 0; i < r.Length; i++)
            {
                var j = (rh[i] - r[i]) / (ph - p);
                jtj += j * j;
                jtr += j * r[i];
            }

            if (jtj == 0)
            {
                break;
            }

            var step = -jtr / jtj;
            var improved = false;
            for (var halving = 0; halving < 30; halving++)
            {
                var candidate = Math.Clamp(p + step, lower, upper);
                if (candidate == p)
                {
                    break;
                }

                double[] rc;
                try
                {
                    rc = residuals(candidate);
                }
                catch (ArgumentException)
                {
                    step /= 2;
                    continue;
                }

                var cc = Cost(rc);
                if (cc < cost)
                {
                    var converged = Math.Abs(candidate - p) < 1e-10 * (1 + Math.Abs(p)) || cost - cc < 1e-12 * cost;
                    (p, r, cost, improved) = (candidate, rc, cc, true);
                    if (converged)
                    {
                        return p;
                    }

                    break;
                }

                step /= 2;
            }

            if (!improved)
            {
                break;
            }
        }

        return p;
    }

    private static double Cost(double[] r)
    {
        double s = 0;
        foreach (var v in r)
        {
            s += v * v;
        }

        return 0.5 * s;
    }

    private sealed class Model(int yPixels, int xPixels, double indexToLinear, bool interlaced)
    {
        private readonly double _relative = indexToLinear >= 1 ? indexToLinear / yPixels : indexToLinear;
        private readonly double[,] _gridFold = GridInterpolation.OutputYGrid(yPixels, xPixels).Y;

        public int YPixels => yPixels;

        public int XPixels => xPixels;

        public double PixelShift { get; set; }

        private double YMax => 1 - PixelShift / (yPixels * _relative);

        private double Straight(long i) => GridInterpolation.LinspaceAt(-yPixels / 2.0, yPixels / 2.0, (long)yPixels * xPixels, i);

        // pyfastspm Creep.sin_one_param
        public double[] Path(double f)
        {
            var arc = new Arc(this, f);
            var path = new double[yPixels * xPixels];
            for (var i = 0; i < path.Length; i++)
            {
                path[i] = arc.At(i);
            }

            return path;
        }

        // pyfastspm Creep._get_grid's path for parameter f, point by point: straight, then the sine arc, shifted by half
        // the gap at the end (the same operations as computing the whole path, so the same values)
        private readonly struct Arc
        {
            private readonly Model _model;
            private readonly double _f;
            private readonly double _phi;
            private readonly int _ind;
            private readonly int _length;
            private readonly double _start;
            private readonly double _end;
            private readonly double _offset;

            public Arc(Model model, double f)
            {
                _model = model;
                _f = f;
                var total = model.YPixels * model.XPixels;
                _ind = (int)((1 - model._relative) * model.XPixels * model.YPixels);
                _phi = Math.Atan((model.YMax * f - Math.Sin(f)) / (Math.Cos(f) - 1));
                _length = total - _ind;
                _start = model.Straight(_ind);
                _end = model.Straight(total - 1);
                _offset = (_end - Raw(total - 1)) / 2;
            }

            public double At(int i) => Raw(i) + _offset;

            private double Raw(int i)
            {
                if (i < _ind)
                {
                    return _model.Straight(i);
                }

                var x = GridInterpolation.LinspaceAt(0, 1, _length, i - _ind);
                var v = -Math.Tan(_phi) / _f + Math.Sin(_f * x + _phi) / (Math.Cos(_phi) * _f);
                return _start + (_end - _start) * v;
            }
        }

        // pyfastspm Creep._shape_to_grid: up = path as rows (odd rows reversed); down = -reversed path, same shaping
        public (double[,] Up, double[,] Down) ShapeToGrid(double[] path)
        {
            var up = new double[yPixels, xPixels];
            var down = new double[yPixels, xPixels];
            var total = path.Length;
            for (var i = 0; i < yPixels; i++)
            {
                for (var j = 0; j < xPixels; j++)
                {
                    var jj = (i & 1) == 0 ? j : xPixels - 1 - j;
                    up[i, j] = path[i * xPixels + jj];
                    down[i, j] = -path[total - 1 - (i * xPixels + jj)];
                }
            }

            return (up, down);
        }

        public double[] Residuals(double f, double[] upColumn, double[] downColumn, int column, FastChannels channels)
        {
            int upFirst, downFirst, evalFirst, step;
            if (interlaced)
            {
                (upFirst, downFirst, evalFirst, step) = (0, 0, 0, 1);
            }
            else if (channels == FastChannels.UpDownBackward)
            {
                (upFirst, downFirst, evalFirst, step) = (1, 0, 1, 2);
            }
            else
            {
                (upFirst, downFirst, evalFirst, step) = (0, 1, 0, 2);
            }

            // ShapeToGrid(Path(f))'s entries of this column only: up[i, j] = path[i nx + jj], down[i, j] = -path[total - 1 - (i nx + jj)]
            var arc = new Arc(this, f);
            var total = yPixels * xPixels;
            var n = upColumn.Length;
            var xu = new double[n];
            var xd = new double[n];
            for (var r = 0; r < n; r++)
            {
                var (iu, id) = (upFirst + r * step, downFirst + r * step);
                xu[r] = arc.At(iu * xPixels + ((iu & 1) == 0 ? column : xPixels - 1 - column));
                xd[r] = -arc.At(total - 1 - (id * xPixels + ((id & 1) == 0 ? column : xPixels - 1 - column)));
            }

            var splineUp = new CubicSpline(xu, upColumn);
            var splineDown = new CubicSpline(xd, downColumn);
            var count = (xPixels - evalFirst + step - 1) / step;
            var result = new double[count];
            for (var k = 0; k < count; k++)
            {
                var y = _gridFold[column, evalFirst + k * step];
                result[k] = splineUp.Evaluate(y) - splineDown.Evaluate(y);
            }

            return result;
        }

        // pyfastspm Creep.sin_limit_function: upper bound of the arc parameter from polynomial fits of its limits
        public double UpperBound()
        {
            double[] sinc = [-1.10973034e-03, 1.09139764e-02, -2.94504420e-03, -1.65051603e-01, -3.59723109e-04, 1.00001927e00];
            double[] dev = [0.01030309, -0.07304712, 0.21509938, -0.31886432, 0.25850888, -0.06193083, 0.01681623, 0.49952107];
            var yMax = YMax;
            if (yMax > 0.62 && yMax < 0.64)
            {
                return Math.Min(Root(sinc, yMax), Root(dev, yMax));
            }

            if (yMax <= 0.62 && yMax > 0.5)
            {
                return Root(dev, yMax);
            }

            if (yMax >= 0.64)
            {
                return Root(sinc, yMax);
            }

            throw new ArgumentException($"The up/down shift ({PixelShift:F2} px) is too large for the creep model (y_max = {yMax:F3} < 0.5); set a larger index-to-linear.");
        }

        // the real root of poly(f) = y in (0, 1.7)
        private static double Root(double[] poly, double y)
        {
            double P(double x)
            {
                double v = 0;
                foreach (var c in poly)
                {
                    v = v * x + c;
                }

                return v - y;
            }

            const int samples = 3400;
            for (var i = 0; i < samples; i++)
            {
                double a = 1.7 * i / samples, b = 1.7 * (i + 1) / samples;
                if (i == 0)
                {
                    a = 1e-12;
                }

                if (Math.Sign(P(a)) != Math.Sign(P(b)))
                {
                    for (var k = 0; k < 80; k++)
                    {
                        var m = (a + b) / 2;
                        if (Math.Sign(P(m)) == Math.Sign(P(a)))
                        {
                            a = m;
                        }
                        else
                        {
                            b = m;
                        }
                    }

                    return (a + b) / 2;
                }
            }

            throw new ArgumentException($"The creep model has no parameter limit for y_max = {y:F3}.");
        }
    }
}
