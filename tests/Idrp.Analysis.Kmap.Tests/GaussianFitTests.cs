using Idrp.Analysis.Kmap.Fit;

namespace Idrp.Analysis.Kmap.Tests;

public sealed class GaussianFitTests
{
    [Theory]
    [InlineData(0.0123, 0.004, 250.0, 3.0)]
    [InlineData(-0.031, 0.0025, 17.0, 0.0)]
    [InlineData(4.6276, 0.003, 1e5, 40.0)]
    public void Recovers_an_exact_gaussian_on_an_uneven_axis(double centre, double sigma, double amplitude, double background)
    {
        var x = new double[31];
        var y = new double[31];
        for (var i = 0; i < x.Length; i++)
        {
            // Uneven spacing, as projected bin centroids are.
            x[i] = centre - 0.02 + (i * 0.0013) + (0.0002 * Math.Sin(i * 1.7));
            y[i] = (amplitude * Math.Exp(-Math.Pow(x[i] - centre, 2) / (2 * sigma * sigma))) + background;
        }

        var status = GaussianFit1D.Fit(x, y, withBackground: true, out var a, out var mu, out var s, out var b);

        Assert.Equal(FitStatus.Ok, status);
        Assert.Equal(centre, mu, 1e-9);
        Assert.Equal(sigma, s, 1e-9);
        Assert.Equal(amplitude, a, amplitude * 1e-7);
        Assert.Equal(background, b, Math.Max(1e-6, amplitude * 1e-7));
    }

    [Fact]
    public void Flat_profile_reports_no_data()
    {
        var x = new double[] { 0, 1, 2, 3, 4, 5 };
        var y = new double[] { 2, 2, 2, 2, 2, 2 };

        var status = GaussianFit1D.Fit(x, y, withBackground: true, out _, out _, out _, out _);

        Assert.Equal(FitStatus.NoData, status);
    }

    [Fact]
    public void Centre_of_mass_of_a_symmetric_profile_is_its_centre()
    {
        var x = new double[] { 1, 2, 3, 4, 5 };
        var y = new double[] { 1, 3, 5, 3, 1 };

        Assert.True(GaussianFit1D.Moments(x, y, 1, out var centre, out var sigma, out var max));
        Assert.Equal(3.0, centre, 1e-12);
        Assert.Equal(Math.Sqrt(2 * 2 * 1.0 / 8), sigma, 1e-12);
        Assert.Equal(5.0, max);
    }
}
