using Idrp.Analysis.Stm.Fast;

namespace Idrp.Analysis.Stm.Processing;

/// <summary>
/// Interpolation of FAST frames from the probe's real path to a regular grid, as pyfastspm 1.0.4's
/// <c>interpolate</c> (interpolate.py): x follows the sine of the fast scan, <c>x = nx/2 sin(pi t / (nx + dt))</c> on
/// <c>t = linspace(-nx/2, nx/2, nx)</c>; y rises linearly in time along every line (or follows the creep-corrected path
/// of <see cref="CreepCorrection"/>); output points are <c>linspace(-n/2, n/2, n)</c> in both directions. Each output
/// pixel is the linear (barycentric) interpolation inside the triangle of measured points that holds it; pixels
/// outside the measured area (the outermost columns, since the sine never reaches +-nx/2) become 0, as pyfastspm's
/// <c>nan_to_num</c>. Up frames use the up path, down frames the down path.
/// </summary>
/// <remarks>
/// pyfastspm triangulates the measured points with Qhull's Delaunay. The measured points form a grid of column
/// strips (x depends only on the column), so here each quad of neighbouring points is split along its Delaunay
/// diagonal; for the many exactly cocircular quads (an unperturbed line pair is an isosceles trapezoid) either split is
/// Delaunay, and Qhull's pick is arbitrary, so values may differ from pyfastspm's there by the curvature of the data
/// over one pixel (docs/analysis/stm.md states the tolerance reached). Weights are computed once per movie; applying
/// them is three multiply-adds per pixel. Thread safe after construction.
/// </remarks>
public sealed class GridInterpolation
{
    private readonly Weights _up;
    private readonly Weights _down;
    private readonly FastChannels _channels;

    private GridInterpolation(FastChannels channels, int rows, int columns, Weights up, Weights down)
    {
        _channels = channels;
        Rows = rows;
        Columns = columns;
        _up = up;
        _down = down;
    }

    /// <summary>Frame rows.</summary>
    public int Rows { get; }

    /// <summary>Frame columns.</summary>
    public int Columns { get; }

    /// <summary>Builds the interpolation for frames of <paramref name="rows"/> x <paramref name="columns"/> of <paramref name="channels"/>.</summary>
    /// <param name="creep">Creep-corrected probe paths (up, down), each (interlaced rows) x columns; null = linear y.</param>
    public static GridInterpolation Create(FastChannels channels, int rows, int columns, CreepGrid? creep = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 2);
        var interlaced = channels is FastChannels.UpInterlaced or FastChannels.DownInterlaced or FastChannels.UpDownInterlaced;
        var ny = interlaced ? rows : 2 * rows;
        var nx = columns;
        var (y, t1) = OutputYGrid(ny, nx);
        var (x, t2) = OutputXGrid(nx);
        double[,] yUp, yDown;
        if (creep is null)
        {
            yUp = y;
            yDown = new double[ny, nx];
            for (var i = 0; i < ny; i++)
            {
                for (var j = 0; j < nx; j++)
                {
                    yDown[i, j] = y[i, nx - 1 - j];
                }
            }
        }
        else
        {
            if (creep.Up.GetLength(0) != ny || creep.Up.GetLength(1) != nx || creep.Down.GetLength(0) != ny || creep.Down.GetLength(1) != nx)
            {
                throw new ArgumentException($"The creep grid is not {ny} x {nx}.", nameof(creep));
            }

            (yUp, yDown) = (creep.Up, creep.Down);
        }

        // which rows of the interlaced grid the frame holds: forward 0::2 (down path 1::2), backward 1::2 (down 0::2)
        var backward = channels is FastChannels.UpBackward or FastChannels.DownBackward or FastChannels.UpDownBackward;
        int upFirst, downFirst, outFirst, step;
        if (interlaced)
        {
            (upFirst, downFirst, outFirst, step) = (0, 0, 0, 1);
        }
        else if (backward)
        {
            (upFirst, downFirst, outFirst, step) = (1, 0, 1, 2);
        }
        else
        {
            (upFirst, downFirst, outFirst, step) = (0, 1, 0, 2);
        }

        var outY = new double[rows];
        for (var r = 0; r < rows; r++)
        {
            outY[r] = t1[outFirst + r * step];
        }

        var up = Build(Select(yUp, upFirst, step, rows), x, outY, t2);
        var down = Build(Select(yDown, downFirst, step, rows), x, outY, t2);
        return new GridInterpolation(channels, rows, columns, up, down);
    }

    /// <summary>Interpolates one frame; <paramref name="upFrame"/> picks the up or the down path (single-direction channels ignore it).</summary>
    public void Apply(ReadOnlySpan<float> frame, bool upFrame, Span<float> output)
    {
        var n = Rows * Columns;
        ArgumentOutOfRangeException.ThrowIfLessThan(frame.Length, n, nameof(frame));
        ArgumentOutOfRangeException.ThrowIfLessThan(output.Length, n, nameof(output));
        var useUp = _channels switch
        {
            FastChannels.UpForward or FastChannels.UpBackward or FastChannels.UpInterlaced => true,
            FastChannels.DownForward or FastChannels.DownBackward or FastChannels.DownInterlaced => false,
            _ => upFrame,
        };
        var w = useUp ? _up : _down;
        for (var p = 0; p < n; p++)
        {
            var k = 3 * p;
            var i0 = w.Index[k];
            output[p] = i0 < 0
                ? 0f
                : (float)(w.Weight[k] * frame[i0] + w.Weight[k + 1] * frame[w.Index[k + 1]] + w.Weight[k + 2] * frame[w.Index[k + 2]]);
        }
    }

    /// <summary>Interpolates a batch of frames in place, in parallel over frames; frame parity gives up (even) or down (odd) for up-down channels.</summary>
    public void ApplyBatch(float[] frames, int frameCount, int firstFrame)
    {
        var n = Rows * Columns;
        Parallel.For(0, frameCount, () => new float[n], (f, _, scratch) =>
        {
            var span = frames.AsSpan(f * n, n);
            Apply(span, ((firstFrame + f) & 1) == 0, scratch);
            scratch.CopyTo(span);
            return scratch;
        }, _ => { });
    }

    // pyfastspm _output_y_grid: y = linspace(-ny/2, ny/2, ny*nx) row by row, odd rows reversed (backward lines)
    internal static (double[,] Y, double[] T1) OutputYGrid(int ny, int nx)
    {
        var t1 = Linspace(-ny / 2.0, ny / 2.0, ny);
        var total = (long)ny * nx;
        var y = new double[ny, nx];
        for (var i = 0; i < ny; i++)
        {
            for (var j = 0; j < nx; j++)
            {
                var jj = (i & 1) == 0 ? j : nx - 1 - j;
                y[i, j] = LinspaceAt(-ny / 2.0, ny / 2.0, total, (long)i * nx + jj);
            }
        }

        return (y, t1);
    }

    // pyfastspm _output_x_grid: x2 = nx/2 sin(t2 pi / (nx + |t2[0] - t2[1]|)), t2 = linspace(-nx/2, nx/2, nx)
    internal static (double[] X, double[] T2) OutputXGrid(int nx)
    {
        var t2 = Linspace(-nx / 2.0, nx / 2.0, nx);
        var x = new double[nx];
        var dt = Math.Abs(t2[0] - t2[1]);
        for (var j = 0; j < nx; j++)
        {
            x[j] = nx / 2.0 * Math.Sin(t2[j] * Math.PI / (nx + dt));
        }

        return (x, t2);
    }

    internal static double[] Linspace(double start, double stop, int n)
    {
        var result = new double[n];
        for (var i = 0; i < n; i++)
        {
            result[i] = LinspaceAt(start, stop, n, i);
        }

        return result;
    }

    // numpy.linspace: start + i * step, the last point exactly stop
    internal static double LinspaceAt(double start, double stop, long n, long i) =>
        i == n - 1 ? stop : start + i * ((stop - start) / (n - 1));

    private static double[,] Select(double[,] grid, int first, int step, int rows)
    {
        var nx = grid.GetLength(1);
        var result = new double[rows, nx];
        for (var r = 0; r < rows; r++)
        {
            for (var j = 0; j < nx; j++)
            {
                result[r, j] = grid[first + r * step, j];
            }
        }

        return result;
    }

    private static Weights Build(double[,] py, double[] px, double[] outY, double[] outX)
    {
        var rows = py.GetLength(0);
        var nx = px.Length;
        var count = outY.Length * outX.Length;
        var index = new int[3 * count];
        var weight = new double[3 * count];
        Parallel.For(0, outY.Length, r =>
        {
            for (var c = 0; c < outX.Length; c++)
            {
                var k = 3 * (r * outX.Length + c);
                if (!Locate(py, px, rows, nx, outY[r], outX[c], index.AsSpan(k, 3), weight.AsSpan(k, 3)))
                {
                    index[k] = -1;
                }
            }
        });
        return new Weights(index, weight);
    }

    private static bool Locate(double[,] py, double[] px, int rows, int nx, double yq, double xq, Span<int> index, Span<double> weight)
    {
        if (xq < px[0] || xq > px[nx - 1])
        {
            return false;
        }

        var c = Array.BinarySearch(px, xq);
        c = c >= 0 ? Math.Min(c, nx - 2) : ~c - 1;
        var fraction = (xq - px[c]) / (px[c + 1] - px[c]);
        double AtRow(int r) => py[r, c] + (py[r, c + 1] - py[r, c]) * fraction;
        if (yq < AtRow(0) || yq > AtRow(rows - 1))
        {
            return false;
        }

        int lo = 0, hi = rows - 1;
        while (hi - lo > 1)
        {
            var mid = (lo + hi) / 2;
            if (AtRow(mid) <= yq)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        // quad A=(lo,c) B=(lo,c+1) C=(hi,c) D=(hi,c+1); coordinates (x, y)
        var ax = px[c]; var ay = py[lo, c];
        var bx = px[c + 1]; var by = py[lo, c + 1];
        var cx = px[c]; var cy = py[hi, c];
        var dx = px[c + 1]; var dy = py[hi, c + 1];
        var ia = lo * nx + c; var ib = lo * nx + c + 1; var ic = hi * nx + c; var id = hi * nx + c + 1;
        // D strictly inside the circumcircle of A, B, C: the Delaunay diagonal is A-D, else B-C
        if (InCircle(ax, ay, bx, by, cx, cy, dx, dy) > 1e-12)
        {
            return Barycentric(xq, yq, ax, ay, bx, by, dx, dy, ia, ib, id, index, weight)
                || Barycentric(xq, yq, ax, ay, dx, dy, cx, cy, ia, id, ic, index, weight);
        }

        return Barycentric(xq, yq, ax, ay, bx, by, cx, cy, ia, ib, ic, index, weight)
            || Barycentric(xq, yq, bx, by, dx, dy, cx, cy, ib, id, ic, index, weight);
    }

    private static double InCircle(double ax, double ay, double bx, double by, double cx, double cy, double dx, double dy)
    {
        var adx = ax - dx; var ady = ay - dy;
        var bdx = bx - dx; var bdy = by - dy;
        var cdx = cx - dx; var cdy = cy - dy;
        var det = (adx * adx + ady * ady) * (bdx * cdy - cdx * bdy)
            - (bdx * bdx + bdy * bdy) * (adx * cdy - cdx * ady)
            + (cdx * cdx + cdy * cdy) * (adx * bdy - bdx * ady);
        var orientation = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
        return orientation > 0 ? det : -det;
    }

    private static bool Barycentric(double x, double y, double x1, double y1, double x2, double y2, double x3, double y3,
        int i1, int i2, int i3, Span<int> index, Span<double> weight)
    {
        var det = (y2 - y3) * (x1 - x3) + (x3 - x2) * (y1 - y3);
        if (det == 0)
        {
            return false;
        }

        var l1 = ((y2 - y3) * (x - x3) + (x3 - x2) * (y - y3)) / det;
        var l2 = ((y3 - y1) * (x - x3) + (x1 - x3) * (y - y3)) / det;
        var l3 = 1 - l1 - l2;
        const double eps = -1e-10;
        if (l1 < eps || l2 < eps || l3 < eps)
        {
            return false;
        }

        index[0] = i1; index[1] = i2; index[2] = i3;
        weight[0] = l1; weight[1] = l2; weight[2] = l3;
        return true;
    }

    private sealed record Weights(int[] Index, double[] Weight);
}

/// <summary>Creep-corrected y positions of every measured point (interlaced rows x columns), for up and down sweeps, in pyfastspm's grid units.</summary>
public sealed record CreepGrid(double[,] Up, double[,] Down, double Parameter);
