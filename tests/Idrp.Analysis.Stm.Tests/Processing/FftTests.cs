using Idrp.Analysis.Stm.Processing;

namespace Idrp.Analysis.Stm.Tests.Processing;

/// <summary>The SIMD FFT kernels against a plain DFT and a plain correlation.</summary>
public sealed class FftTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    [InlineData(256)]
    [InlineData(512)]
    [InlineData(2048)]
    public void Transform_equals_the_discrete_fourier_transform(int n)
    {
        var random = new Random(n);
        var re = Enumerable.Range(0, n).Select(_ => random.NextDouble() - 0.5).ToArray();
        var im = Enumerable.Range(0, n).Select(_ => random.NextDouble() - 0.5).ToArray();
        var (expectedRe, expectedIm) = Dft(re, im);
        var (r, i) = (re.ToArray(), im.ToArray());
        Fft.Forward(r, i);
        for (var k = 0; k < n; k++)
        {
            Assert.Equal(expectedRe[k], r[k], 1e-9 * n);
            Assert.Equal(expectedIm[k], i[k], 1e-9 * n);
        }

        Fft.Inverse(r, i);
        for (var k = 0; k < n; k++)
        {
            Assert.Equal(re[k], r[k], 1e-12 * n);
            Assert.Equal(im[k], i[k], 1e-12 * n);
        }
    }

    [Theory]
    [InlineData(4, 4, 1)]
    [InlineData(8, 8, 2)]
    [InlineData(16, 16, 3)]
    [InlineData(16, 4, 4)]
    [InlineData(2, 8, 5)]
    public void Correlation_peak_equals_the_full_linear_correlations(int rows, int columns, int seed)
    {
        var random = new Random(seed);
        var a = Enumerable.Range(0, rows * columns).Select(_ => random.NextDouble() - 0.5).ToArray();
        var b = Enumerable.Range(0, rows * columns).Select(_ => random.NextDouble() - 0.5).ToArray();
        var transform = new RealFft2D(rows, columns);
        var (aRe, aIm) = (new double[transform.SpectrumLength], new double[transform.SpectrumLength]);
        var (bRe, bIm) = (new double[transform.SpectrumLength], new double[transform.SpectrumLength]);
        transform.Forward(a, aRe, aIm);
        transform.Forward(b, bRe, bIm);

        // scipy.signal.correlate(a, b, 'full'): z[ky, kx] = sum a[n + k - (S - 1)] b[n], first maximum row-major
        var best = double.NegativeInfinity;
        var expected = (0, 0);
        for (var ky = 0; ky < 2 * rows - 1; ky++)
        {
            for (var kx = 0; kx < 2 * columns - 1; kx++)
            {
                double z = 0;
                for (var y = 0; y < rows; y++)
                {
                    for (var x = 0; x < columns; x++)
                    {
                        int ay = y + ky - (rows - 1), ax = x + kx - (columns - 1);
                        if (ay >= 0 && ay < rows && ax >= 0 && ax < columns)
                        {
                            z += a[ay * columns + ax] * b[y * columns + x];
                        }
                    }
                }

                if (z > best + 1e-12)
                {
                    (best, expected) = (z, (ky, kx));
                }
            }
        }

        Assert.Equal(expected, transform.CorrelationPeak(aRe, aIm, bRe, bIm));
        Assert.Equal((rows - 1, columns - 1), transform.CorrelationPeak(aRe, aIm, aRe, aIm));
    }

    private static (double[] Re, double[] Im) Dft(double[] re, double[] im)
    {
        var n = re.Length;
        var outRe = new double[n];
        var outIm = new double[n];
        for (var k = 0; k < n; k++)
        {
            for (var j = 0; j < n; j++)
            {
                var angle = -2 * Math.PI * ((long)k * j % n) / n;
                outRe[k] += re[j] * Math.Cos(angle) - im[j] * Math.Sin(angle);
                outIm[k] += re[j] * Math.Sin(angle) + im[j] * Math.Cos(angle);
            }
        }

        return (outRe, outIm);
    }
}
