using Idrp.Analysis.Kmap.Input;

namespace Idrp.Analysis.Kmap.Synthetic;

/// <summary>
/// Known fields of a synthetic KMAP, per scan point (flat index k = iy * Nx + ix, ix along the fast motor).
/// Strain is d/d0 - 1 = |Q0|/|Q| - 1; tilts are atan2(qx, qz) and atan2(qy, qz) in degrees; Q in the sample frame, 1/Angstrom.
/// </summary>
public sealed record SyntheticKmapTruth(
    int Nx,
    int Ny,
    double[] Strain,
    double[] TiltXDegrees,
    double[] TiltYDegrees,
    double[] Amplitude,
    double[] QCenter,
    double Q0,
    double ThetaBraggDegrees,
    double[] EtaDegrees)
{
    /// <summary>d0 of Si(004) in Angstrom.</summary>
    public double D0 => SyntheticKmapOptions.LatticeSi / SyntheticKmapOptions.ReflectionL;

    public int PointCount => Nx * Ny;

    /// <summary>The entry geometry for rocking angle <paramref name="entry"/>.</summary>
    public KmapGeometry Geometry(int entry) => new(
        EtaDegrees[entry], 0.0, 0.0, 2 * ThetaBraggDegrees, SyntheticKmapOptions.BeamEnergy,
        SyntheticKmapOptions.CenterChannel, SyntheticKmapOptions.ChannelsPerDegree,
        (SyntheticKmapOptions.Rows, SyntheticKmapOptions.Columns));

    /// <summary>Computes the fields exactly as make_kmap_dataset.py's fields() and geometry().</summary>
    public static SyntheticKmapTruth Create(SyntheticKmapOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Nx, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Ny, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Angles, 1);
        int nx = options.Nx, ny = options.Ny, n = nx * ny;
        var strain = new double[n];
        var tiltX = new double[n];
        var tiltY = new double[n];
        var amp = new double[n];
        var q = new double[3 * n];
        var q0 = 2 * Math.PI * SyntheticKmapOptions.ReflectionL / SyntheticKmapOptions.LatticeSi;
        for (var iy = 0; iy < ny; iy++)
        {
            for (var ix = 0; ix < nx; ix++)
            {
                var k = (iy * nx) + ix;
                var x = ix / (nx - 1.0);
                var y = iy / (ny - 1.0);
                strain[k] = (8e-4 * Math.Sin(2 * Math.PI * x) * Math.Cos(Math.PI * y))
                    + (5e-4 * Math.Exp(-(((x - 0.6) * (x - 0.6)) + ((y - 0.4) * (y - 0.4))) / (2 * 0.12 * 0.12)));
                tiltX[k] = (0.06 * (y - 0.5)) + (0.02 * Math.Cos(2 * Math.PI * x));
                tiltY[k] = (-0.05 * (x - 0.5)) + (0.02 * Math.Sin(3 * Math.PI * y));
                amp[k] = options.PeakAmplitude * (0.6 + (0.4 * Math.Cos(Math.PI * (x - 0.5)) * Math.Cos(Math.PI * (y - 0.5))));
                var qmag = q0 / (1.0 + strain[k]);
                var tx = Math.Tan(tiltX[k] * Math.PI / 180.0);
                var ty = Math.Tan(tiltY[k] * Math.PI / 180.0);
                var qz = qmag / Math.Sqrt(1 + (tx * tx) + (ty * ty));
                q[3 * k] = qz * tx;
                q[(3 * k) + 1] = qz * ty;
                q[(3 * k) + 2] = qz;
            }
        }

        var lambda = KmapGeometry.HcEvAngstrom / SyntheticKmapOptions.BeamEnergy;
        var thetaB = Math.Asin(lambda * SyntheticKmapOptions.ReflectionL / (2 * SyntheticKmapOptions.LatticeSi)) * 180.0 / Math.PI;
        var half = 0.04 * (options.Angles - 1) / 2.0;
        var etas = new double[options.Angles];
        for (var j = 0; j < etas.Length; j++)
        {
            // numpy.linspace(-half, half, n): start + j * step, with the last value exactly +half
            etas[j] = thetaB + (options.Angles == 1 ? -half : j == options.Angles - 1 ? half : -half + (j * (2 * half / (options.Angles - 1))));
        }

        return new SyntheticKmapTruth(nx, ny, strain, tiltX, tiltY, amp, q, q0, thetaB, etas);
    }
}
