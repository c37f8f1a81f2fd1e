using System.Numerics;
using System.Runtime.InteropServices;

namespace Idrp.Analysis.Stm.Processing;

/// <summary>
/// Real 2-D FFTs of S x S images zero-padded to P x P (P = 2S, so that circular correlation equals the full linear
/// one), kept as half spectra (P rows x P/2 + 1 columns, split complex), and the peak of the cross-correlation of two
/// such spectra. Real input along x is packed as even + i odd samples into a P/2 complex transform; all passes are
/// column-batched SIMD FFTs (<see cref="FftPlan.Columns"/>) with tiled transposes between them. One instance owns its
/// scratch buffers: use one per thread; spectra are the caller's.
/// </summary>
internal sealed class RealFft2D
{
    private readonly int _s;
    private readonly int _p;
    private readonly int _h;
    private readonly double[] _aRe;
    private readonly double[] _aIm;
    private readonly double[] _bRe;
    private readonly double[] _bIm;
    private readonly FftPlan _halfPlan;
    private readonly FftPlan _fullPlan;

    public RealFft2D(int size)
    {
        if (!Fft.IsPowerOfTwo(size) || size < 2)
        {
            throw new ArgumentException($"Image side {size} is not a power of two.", nameof(size));
        }

        _s = size;
        _p = 2 * size;
        _h = size + 1;
        _aRe = new double[_h * _p];
        _aIm = new double[_h * _p];
        _bRe = new double[_h * _p];
        _bIm = new double[_h * _p];
        _halfPlan = FftPlan.Get(_s);
        _fullPlan = FftPlan.Get(_p);
    }

    /// <summary>Values in one half spectrum (real or imaginary part).</summary>
    public int SpectrumLength => _p * _h;

    /// <summary>Half spectrum of the S x S image (row-major), padded to P x P: <c>re/im[ky * (S + 1) + kx]</c>.</summary>
    public void Forward(ReadOnlySpan<double> image, Span<double> re, Span<double> im)
    {
        int s = _s, h = _h;
        // pack along x: z[m][y] = g[y][2m] + i g[y][2m+1], m < S/2; rows S/2 .. S-1 are padding
        var zr = _bRe.AsSpan(0, s * s);
        var zi = _bIm.AsSpan(0, s * s);
        for (var m = 0; m < s / 2; m++)
        {
            for (var y = 0; y < s; y++)
            {
                zr[m * s + y] = image[y * s + 2 * m];
                zi[m * s + y] = image[y * s + 2 * m + 1];
            }
        }

        zr[(s / 2 * s)..].Clear();
        zi[(s / 2 * s)..].Clear();
        _halfPlan.Columns(zr, zi, s, inverse: false);

        // unpack: X[k] = E + W^k O for k = 0 .. S, W = exp(-2 pi i / P); U is (S + 1) x S
        var ur = _aRe.AsSpan(0, h * s);
        var ui = _aIm.AsSpan(0, h * s);
        for (var k = 0; k <= s; k++)
        {
            var (wr, wi) = _fullPlan.Twiddle(k, -1);
            Unpack(zr, zi, (k % s) * s, ((s - k) % s) * s, ur, ui, k * s, s, wr, wi);
        }

        // to y-major and the column transform along y (rows S .. P-1 are padding)
        Fft.Transpose(ur, re, h, s);
        Fft.Transpose(ui, im, h, s);
        re[(s * h)..(_p * h)].Clear();
        im[(s * h)..(_p * h)].Clear();
        _fullPlan.Columns(re, im, h, inverse: false);
    }

    /// <summary>
    /// Peak of the full linear cross-correlation <c>corr(a, b)[k] = sum a[n + k - (S - 1)] b[n]</c> (scipy's
    /// <c>correlate(a, b, 'full')</c>): indices (ky, kx) in 0 .. 2S - 2 of the first maximum in row-major order.
    /// </summary>
    /// <param name="maxLagY">Largest |lag| in y searched (default S - 1, all).</param>
    /// <param name="maxLagX">Largest |lag| in x searched (default S - 1, all).</param>
    public (int Y, int X) CorrelationPeak(ReadOnlySpan<double> aRe, ReadOnlySpan<double> aIm, ReadOnlySpan<double> bRe, ReadOnlySpan<double> bIm,
        int maxLagY = int.MaxValue, int maxLagX = int.MaxValue)
    {
        int s = _s, p = _p, h = _h;
        var n = p * h;
        var qr = _aRe.AsSpan(0, n);
        var qi = _aIm.AsSpan(0, n);
        ConjugateProduct(aRe[..n], aIm[..n], bRe[..n], bIm[..n], qr, qi);
        _fullPlan.Columns(qr, qi, h, inverse: true);

        // to kx-major: R[k][ly], (S + 1) x P
        var rr = _bRe.AsSpan(0, n);
        var ri = _bIm.AsSpan(0, n);
        Fft.Transpose(qr, rr, p, h);
        Fft.Transpose(qi, ri, p, h);

        // Hermitian half along x back to packed even + i odd: Z[k] = E + i O, O = D W^-k; Z is S x P
        var zr = _aRe.AsSpan(0, s * p);
        var zi = _aIm.AsSpan(0, s * p);
        for (var k = 0; k < s; k++)
        {
            var (wr, wi) = _fullPlan.Twiddle(k, +1);
            Repack(rr, ri, k * p, (s - k) * p, zr, zi, k * p, p, wr, wi);
        }

        _halfPlan.Columns(zr, zi, p, inverse: true);

        // c[ly][2m] = zr[m][ly], c[ly][2m + 1] = zi[m][ly] (unscaled). Lags -(S-1) .. S-1 are searched in memory order;
        // among equal values the first in scipy's row-major (ky, kx) order wins, as numpy's argmax
        var best = double.NegativeInfinity;
        var (by, bx) = (int.MaxValue, int.MaxValue);
        for (var column = 0; column < p; column++)
        {
            var lagX = column < s ? column : column - p;
            if (lagX == s || Math.Abs(lagX) > maxLagX)
            {
                continue; // the one lag outside -(S-1) .. S-1, or outside the window asked for
            }

            var kx = lagX + (s - 1);
            var values = (column & 1) == 0 ? zr.Slice((column >> 1) * p, p) : zi.Slice((column >> 1) * p, p);
            for (var row = 0; row < p; row++)
            {
                var v = values[row];
                var lagY = row < s ? row : row - p;
                if (!(v >= best) || row == s || Math.Abs(lagY) > maxLagY)
                {
                    continue;
                }

                var ky = lagY + (s - 1);
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
