using Idrp.Analysis.Kmap.QSpace;

namespace Idrp.Analysis.Kmap.Fit;

/// <summary>How the peak centre of a projection is found.</summary>
public enum FitMethod
{
    /// <summary>Gaussian fitted by Levenberg-Marquardt; centre, sigma and amplitude.</summary>
    Gaussian,

    /// <summary>Centre of mass (first moment) and standard deviation; amplitude is the maximum.</summary>
    CentreOfMass,
}

/// <summary>Background treatment of each projection.</summary>
public enum BackgroundMode
{
    None,

    /// <summary>Gaussian: a constant offset is fitted with the peak. Centre of mass: the projection's minimum is subtracted.</summary>
    Constant,
}

/// <summary>Outcome flags of one axis fit; Ok means none set.</summary>
[Flags]
public enum FitStatus
{
    Ok = 0,

    /// <summary>No bin of the projection had any hit, or the signal is zero.</summary>
    NoData = 1,

    /// <summary>Levenberg-Marquardt stopped at its iteration limit or diverged.</summary>
    NotConverged = 2,

    /// <summary>The centre lies outside the projected axis.</summary>
    CentreOutsideRange = 4,
}

/// <summary>Settings of a per-point peak fit. Immutable.</summary>
public sealed record FitOptions
{
    public FitMethod Method { get; init; } = FitMethod.Gaussian;

    public BackgroundMode Background { get; init; } = BackgroundMode.Constant;

    /// <summary>Only bins whose centre lies in this Q box enter the projections; null uses the whole grid.</summary>
    public QBox? QRoi { get; init; }

    /// <summary>Only points inside this sample rectangle (micrometres) are fitted; null fits all.</summary>
    public SampleBox? SampleRoi { get; init; }

    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;
}

/// <summary>A 1-D peak along one Q axis.</summary>
/// <param name="Centre">Peak centre, 1/Angstrom.</param>
/// <param name="Width">Gaussian sigma (or standard deviation for the centre of mass), 1/Angstrom.</param>
/// <param name="Amplitude">Peak height of the hit-normalised projection, counts per pixel summed over the two other axes.</param>
/// <param name="Background">Fitted constant, same unit as Amplitude (0 when none).</param>
public readonly record struct AxisPeak(double Centre, double Width, double Amplitude, double Background, FitStatus Status);

/// <summary>Fit of one scan point: a peak per Q axis (sample frame).</summary>
public sealed record PointFit(int PointIndex, double SampleX, double SampleY, AxisPeak X, AxisPeak Y, AxisPeak Z)
{
    public FitStatus Status => X.Status | Y.Status | Z.Status;
}

/// <summary>Result of <see cref="PeakFitter.Fit"/>.</summary>
public sealed record PeakFitResult(FitOptions Options, IReadOnlyList<PointFit> Points, TimeSpan Elapsed);
