using System.Numerics;
using System.Runtime.InteropServices;

namespace Idrp.Analysis.Stm.Processing;

/// <summary>
/// Real 2-D FFTs of Sy x Sx images (powers of two) zero-padded to Py x Px (P = 2S per axis, so that circular
/// correlation equals the full linear one), kept as half spectra (Py rows x Sx + 1 columns, split complex), and the
/// peak of the cross-correlation of two such spectra. Real input along x is packed as even + i odd samples into a
/// Px/2 complex transform; all passes are column-batched SIMD FFTs (<see cref="FftPlan.Columns"/>) with tiled
/// transposes between them. One instance owns its scratch buffers: use one per thread; spectra are the caller's.
/// </summary>
internal sealed class RealFft2D
{
    private readonly int _sy;
    private readonly int _sx;
    private readonly int _py;
    private readonly int _h;
    private readonly double[] _aRe;
    private readonly double[] _aIm;
    private readonly double[] _bRe;
    private readonly double[] _bIm;
    private readonly FftPlan _halfPlan;
    private readonly FftPlan _fullPlanX;
    private readonly FftPlan _fullPlanY;

    /// <summary>Transforms of size x size images.</summary>
    public RealFft2D(int size)
        : this(size, size)
    {
    }

    /// <summary>Transforms of rows x columns images (both powers of two, columns at least 2).</summary>
    public RealFft2D(int rows, int columns)
    {
        if (!Fft.IsPowerOfTwo(rows) || !Fft.IsPowerOfTwo(columns) || columns < 2)
        {
            throw new ArgumentException($"Image sides {rows} x {columns} are not powers of two (at least 1 x 2).");
        }

        _sy = rows;
        _sx = columns;
        _py = 2 * rows;
        _h = columns + 1;
        var scratch = Math.Max(_h * _py, _sx * _py);
        _aRe = new double[scratch];
        _aIm = new double[scratch];
        _bRe = new double[scratch];
        _bIm = new double[scratch];
        _halfPlan = FftPlan.Get(_sx);
        _fullPlanX = FftPlan.Get(2 * _sx);
        _fullPlanY = FftPlan.Get(_py);
    }

    /// <summary>Values in one half spectrum (real or imaginary part).</summary>
    public int SpectrumLength => _py * _h;

    /// <summary>Half spectrum of the Sy x Sx image (row-major), padded to Py x Px: <c>re/im[ky * (Sx + 1) + kx]</c>.</summary>
    public void Forward(ReadOnlySpan<double> image, Span<double> re, Span<double> im)
    {
        int sy = _sy, sx = _sx, h = _h, py = _py;
        // pack along x: z[m][y] = g[y][2m] + i g[y][2m+1], m < Sx/2; rows Sx/2 .. Sx-1 are padding
        var zr = _bRe.AsSpan(0, sx * sy);
        var zi = _bIm.AsSpan(0, sx * sy);
        for (var m = 0; m < sx / 2; m++)
        {
            for (var y = 0; y < sy; y++)
            {
                zr[m * sy + y] = image[y * sx + 2 * m];
                zi[m * sy + y] = image[y * sx + 2 * m + 1];
            }
        }

        zr[(sx / 2 * sy)..].Clear();
        zi[(sx / 2 * sy)..].Clear();
        _halfPlan.Columns(zr, zi, sy, inverse: false);

        // unpack: X[k] = E + W^k O for k = 0 .. Sx, W = exp(-2 pi i / Px); U is (Sx + 1) x Sy
        var ur = _aRe.AsSpan(0, h * sy);
        var ui = _aIm.AsSpan(0, h * sy);
        for (var k = 0; k <= sx; k++)
        {
            var (wr, wi) = _fullPlanX.Twiddle(k, -1);
            Unpack(zr, zi, (k % sx) * sy, ((sx - k) % sx) * sy, ur, ui, k * sy, sy, wr, wi);
        }

        // to y-major and the column transform along y (rows Sy .. Py-1 are padding)
        Fft.Transpose(ur, re, h, sy);
        Fft.Transpose(ui, im, h, sy);
        re[(sy * h)..(py * h)].Clear();
        im[(sy * h)..(py * h)].Clear();
        _fullPlanY.Columns(re, im, h, inverse: false);
    }

    /// <summary>
    /// Peak of the full linear cross-correlation <c>corr(a, b)[k] = sum a[n + k - (S - 1)] b[n]</c> (scipy's
    /// <c>correlate(a, b, 'full')</c>): indices (ky, kx) in 0 .. 2Sy - 2 and 0 .. 2Sx - 2 of the first maximum in
    /// row-major order.
    /// </summary>
    /// <param name="maxLagY">Largest |lag| in y searched (default Sy - 1, all).</param>
    /// <param name="maxLagX">Largest |lag| in x searched (default Sx - 1, all).</param>
    public (int Y, int X) CorrelationPeak(ReadOnlySpan<double> aRe, ReadOnlySpan<double> aIm, ReadOnlySpan<double> bRe, ReadOnlySpan<double> bIm,
        int maxLagY = int.MaxValue, int maxLagX = int.MaxValue)
    {
        int sy = _sy, sx = _sx, py = _py, px = 2 * _sx, h = _h;
        var n = py * h;
        var qr = _aRe.AsSpan(0, n);
        var qi = _aIm.AsSpan(0, n);
        ConjugateProduct(aRe[..n], aIm[..n], bRe[..n], bIm[..n], qr, qi);
        _fullPlanY.Columns(qr, qi, h, inverse: true);

        // to kx-major: R[k][ly], (Sx + 1) x Py
        var rr = _bRe.AsSpan(0, n);
        var ri = _bIm.AsSpan(0, n);
        Fft.Transpose(qr, rr, py, h);
        Fft.Transpose(qi, ri, py, h);

        // Hermitian half along x back to packed even + i odd: Z[k] = E + i O, O = D W^-k; Z is Sx x Py
        var zr = _aRe.AsSpan(0, sx * py);
        var zi = _aIm.AsSpan(0, sx * py);
        for (var k = 0; k < sx; k++)
        {
            var (wr, wi) = _fullPlanX.Twiddle(k, +1);
            Repack(rr, ri, k * py, (sx - k) * py, zr, zi, k * py, py, wr, wi);
        }

        _halfPlan.Columns(zr, zi, py, inverse: true);

        // c[ly][2m] = zr[m][ly], c[ly][2m + 1] = zi[m][ly] (unscaled). Lags -(S-1) .. S-1 are searched in memory order;
        // among equal values the first in scipy's row-major (ky, kx) order wins, as numpy's argmax
        var best = double.NegativeInfinity;
        var (by, bx) = (int.MaxValue, int.MaxValue);
        for (var column = 0; column < px; column++)
        {
            var lagX = column < sx ? column : column - px;
            if (lagX == sx || Math.Abs(lagX) > maxLagX)
            {
                continue; // the one lag outside -(Sx-1) .. Sx-1, or outside the window asked for
            }

            var kx = lagX + (sx - 1);
            var values = (column & 1) == 0 ? zr.Slice((column >> 1) * py, py) : zi.Slice((column >> 1) * py, py);
            for (var row = 0; row < py; row++)
            {
                var v = values[row];
                var lagY = row < sy ? row : row - py;
                if (!(v >= best) || row == sy || Math.Abs(lagY) > maxLagY)
                {
                    continue;
                }

                var ky = lagY + (sy - 1);
                if (v > best || ky < by || (ky == by && kx < bx))
                {
                    best = v;
                    (by, bx) = (ky, kx);
                }
            }
        }

        return (by, bx);
    }

    // E = (Zk + conj Zm) / 2, O = (Zk - conj Zm) / 2i, X = E + W O
    private static void Unpack(Span<double> zr, Span<double> zi, int k, int m, Span<double> outRe, Span<double> outIm, int o, int width, double wr, double wi)
    {
        ref var pr = ref MemoryMarshal.GetReference(zr);
        ref var pi = ref MemoryMarshal.GetReference(zi);
        ref var qr = ref MemoryMarshal.GetReference(outRe);
        ref var qi = ref MemoryMarshal.GetReference(outIm);
        var c = 0;
        var half = new Vector<double>(0.5);
        var vwr = new Vector<double>(wr);
        var vwi = new Vector<double>(wi);
        for (; c <= width - Vector<double>.Count; c += Vector<double>.Count)
        {
            var kr = Vector.LoadUnsafe(ref pr, (nuint)(k + c));
            var ki = Vector.LoadUnsafe(ref pi, (nuint)(k + c));
            var mr = Vector.LoadUnsafe(ref pr, (nuint)(m + c));
            var mi = Vector.LoadUnsafe(ref pi, (nuint)(m + c));
            var er = (kr + mr) * half;
            var ei = (ki - mi) * half;
            var or = (ki + mi) * half;
            var oi = (mr - kr) * half;
            (er + or * vwr - oi * vwi).StoreUnsafe(ref qr, (nuint)(o + c));
            (ei + or * vwi + oi * vwr).StoreUnsafe(ref qi, (nuint)(o + c));
        }

        for (; c < width; c++)
        {
            double kr = zr[k + c], ki = zi[k + c], mr = zr[m + c], mi = zi[m + c];
            double er = (kr + mr) * 0.5, ei = (ki - mi) * 0.5, or = (ki + mi) * 0.5, oi = (mr - kr) * 0.5;
            outRe[o + c] = er + or * wr - oi * wi;
            outIm[o + c] = ei + or * wi + oi * wr;
        }
    }

    // E = (Xk + conj Xm) / 2, D = (Xk - conj Xm) / 2, O = D W, Z = E + i O
    private static void Repack(Span<double> xr, Span<double> xi, int k, int m, Span<double> outRe, Span<double> outIm, int o, int width, double wr, double wi)
    {
        ref var pr = ref MemoryMarshal.GetReference(xr);
        ref var pi = ref MemoryMarshal.GetReference(xi);
        ref var qr = ref MemoryMarshal.GetReference(outRe);
        ref var qi = ref MemoryMarshal.GetReference(outIm);
        var c = 0;
        var half = new Vector<double>(0.5);
        var vwr = new Vector<double>(wr);
        var vwi = new Vector<double>(wi);
        for (; c <= width - Vector<double>.Count; c += Vector<double>.Count)
        {
            var kr = Vector.LoadUnsafe(ref pr, (nuint)(k + c));
            var ki = Vector.LoadUnsafe(ref pi, (nuint)(k + c));
            var mr = Vector.LoadUnsafe(ref pr, (nuint)(m + c));
            var mi = Vector.LoadUnsafe(ref pi, (nuint)(m + c));
            var er = (kr + mr) * half;
            var ei = (ki - mi) * half;
            var dr = (kr - mr) * half;
            var di = (ki + mi) * half;
            var or = dr * vwr - di * vwi;
            var oi = dr * vwi + di * vwr;
            (er - oi).StoreUnsafe(ref qr, (nuint)(o + c));
            (ei + or).StoreUnsafe(ref qi, (nuint)(o + c));
        }

        for (; c < width; c++)
        {
            double kr = xr[k + c], ki = xi[k + c], mr = xr[m + c], mi = xi[m + c];
            double er = (kr + mr) * 0.5, ei = (ki - mi) * 0.5, dr = (kr - mr) * 0.5, di = (ki + mi) * 0.5;
            double or = dr * wr - di * wi, oi = dr * wi + di * wr;
            outRe[o + c] = er - oi;
            outIm[o + c] = ei + or;
        }
    }

    // q = a conj(b)
    private static void ConjugateProduct(ReadOnlySpan<double> aRe, ReadOnlySpan<double> aIm, ReadOnlySpan<double> bRe, ReadOnlySpan<double> bIm, Span<double> re, Span<double> im)
    {
        ref var ar = ref MemoryMarshal.GetReference(aRe);
        ref var ai = ref MemoryMarshal.GetReference(aIm);
        ref var br = ref MemoryMarshal.GetReference(bRe);
        ref var bi = ref MemoryMarshal.GetReference(bIm);
        ref var qr = ref MemoryMarshal.GetReference(re);
        ref var qi = ref MemoryMarshal.GetReference(im);
        var n = re.Length;
        var i = 0;
        for (; i <= n - Vector<double>.Count; i += Vector<double>.Count)
        {
            var xr = Vector.LoadUnsafe(ref ar, (nuint)i);
            var xi = Vector.LoadUnsafe(ref ai, (nuint)i);
            var yr = Vector.LoadUnsafe(ref br, (nuint)i);
            var yi = Vector.LoadUnsafe(ref bi, (nuint)i);
            (xr * yr + xi * yi).StoreUnsafe(ref qr, (nuint)i);
            (xi * yr - xr * yi).StoreUnsafe(ref qi, (nuint)i);
        }

        for (; i < n; i++)
        {
            re[i] = aRe[i] * bRe[i] + aIm[i] * bIm[i];
            im[i] = aIm[i] * bRe[i] - aRe[i] * bIm[i];
        }
    }
}
