using Idrp.Analysis.Kmap.Fit;

namespace Idrp.Analysis.Kmap.Maps;

/// <summary>
/// Strain and tilt per fitted scan point, from the fitted peak centre Q = (qx, qy, qz) in the sample frame (1/Angstrom).
/// </summary>
/// <remarks>
/// |Q| = sqrt(qx^2 + qy^2 + qz^2); d = 2 pi / |Q| (Angstrom); strain = d / d0 - 1;
/// tilt_x = atan2(qx, qz) and tilt_y = atan2(qy, qz) (degrees: rotation of the planes' normal towards +x and +y,
/// i.e. about -y and +x); tilt = angle between Q and +z = atan2(sqrt(qx^2 + qy^2), qz); azimuth = atan2(qy, qx)
/// in degrees, (-180, 180]. Points whose fit status is not Ok carry NaN. Arrays are indexed like <see cref="Points"/>.
/// </remarks>
public sealed class KmapMaps
{
    private KmapMaps(IReadOnlyList<PointFit> points, double d0)
    {
        Points = points;
        D0 = d0;
        var n = points.Count;
        Qx = new double[n];
        Qy = new double[n];
        Qz = new double[n];
        QNorm = new double[n];
        DSpacing = new double[n];
        Strain = new double[n];
        TiltX = new double[n];
        TiltY = new double[n];
        Tilt = new double[n];
        Azimuth = new double[n];
        Intensity = new double[n];
        for (var i = 0; i < n; i++)
        {
            var p = points[i];
            var ok = p.Status == FitStatus.Ok;
            double x = ok ? p.X.Centre : double.NaN, y = ok ? p.Y.Centre : double.NaN, z = ok ? p.Z.Centre : double.NaN;
            Qx[i] = x;
            Qy[i] = y;
            Qz[i] = z;
            QNorm[i] = Math.Sqrt((x * x) + (y * y) + (z * z));
            DSpacing[i] = 2 * Math.PI / QNorm[i];
            Strain[i] = (DSpacing[i] / d0) - 1;
            TiltX[i] = Degrees(Math.Atan2(x, z));
            TiltY[i] = Degrees(Math.Atan2(y, z));
            Tilt[i] = Degrees(Math.Atan2(Math.Sqrt((x * x) + (y * y)), z));
            Azimuth[i] = Degrees(Math.Atan2(y, x));
            Intensity[i] = p.Z.Amplitude;
        }
    }

    public IReadOnlyList<PointFit> Points { get; }

    /// <summary>Reference spacing, Angstrom.</summary>
    public double D0 { get; }

    public double[] Qx { get; }

    public double[] Qy { get; }

    public double[] Qz { get; }

    public double[] QNorm { get; }

    public double[] DSpacing { get; }

    public double[] Strain { get; }

    public double[] TiltX { get; }

    public double[] TiltY { get; }

    public double[] Tilt { get; }

    public double[] Azimuth { get; }

    /// <summary>Peak amplitude of the qz projection (mean counts per pixel summed over qx, qy), a proxy for the diffracted intensity.</summary>
    public double[] Intensity { get; }

    /// <exception cref="ArgumentException">The reference point or region has no successfully fitted point.</exception>
    public static KmapMaps Compute(PeakFitResult fit, StrainReference reference)
    {
        ArgumentNullException.ThrowIfNull(fit);
        ArgumentNullException.ThrowIfNull(reference);
        var d0 = reference switch
        {
            StrainReference.Spacing s => s.D0,
            StrainReference.Point p => MeanD(fit, q => q.PointIndex == p.PointIndex),
            StrainReference.Region r => MeanD(fit, q => r.Box.Contains(q.SampleX, q.SampleY)),
            _ => throw new ArgumentOutOfRangeException(nameof(reference)),
        };
        if (!(d0 > 0) || !double.IsFinite(d0))
        {
            throw new ArgumentException("The strain reference selects no successfully fitted point.", nameof(reference));
        }

        return new KmapMaps(fit.Points, d0);
    }

    private static double MeanD(PeakFitResult fit, Func<PointFit, bool> select)
    {
        double sum = 0;
        var n = 0;
        foreach (var p in fit.Points)
        {
            if (p.Status == FitStatus.Ok && select(p))
            {
                sum += 2 * Math.PI / Math.Sqrt((p.X.Centre * p.X.Centre) + (p.Y.Centre * p.Y.Centre) + (p.Z.Centre * p.Z.Centre));
                n++;
            }
        }

        return n > 0 ? sum / n : double.NaN;
    }

    private static double Degrees(double radians) => radians * 180.0 / Math.PI;
}
