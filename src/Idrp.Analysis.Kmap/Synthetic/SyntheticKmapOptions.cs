namespace Idrp.Analysis.Kmap.Synthetic;

/// <summary>
/// Parameters of the synthetic ID01 KMAP (Si(004) at 8 keV, Maxipix-like detector), the C# twin of
/// shared/data/kmap/make_kmap_dataset.py; defaults are that script's defaults.
/// </summary>
public sealed record SyntheticKmapOptions
{
    /// <summary>Scan points along the fast motor (pix); at least 2.</summary>
    public int Nx { get; init; } = 30;

    /// <summary>Scan points along the slow motor (piy); at least 2.</summary>
    public int Ny { get; init; } = 30;

    /// <summary>Rocking angles (entries), eta = theta_B + 0.04 deg * (j - (Angles - 1) / 2).</summary>
    public int Angles { get; init; } = 21;

    /// <summary>Peak counts per pixel at the Bragg condition at the brightest point.</summary>
    public double PeakAmplitude { get; init; } = 300.0;

    /// <summary>Mean flat background, counts per pixel per frame.</summary>
    public double Background { get; init; } = 0.02;

    /// <summary>Half width in pixels of the detector window where the peak is computed.</summary>
    public int Window { get; init; } = 150;

    /// <summary>Gaussian peak widths (sigma) along qx, qy, qz in 1/Angstrom.</summary>
    public (double X, double Y, double Z) SigmaQ { get; init; } = (0.004, 0.004, 0.003);

    /// <summary>Deflate level of the frame chunks (1 x 129 x 129, with shuffle); null writes them uncompressed.</summary>
    public int? CompressionLevel { get; init; } = 4;

    /// <summary>Seed of the Poisson noise and of the position jitter.</summary>
    public int Seed { get; init; } = 20240611;

    /// <summary>Entry files written at once; defaults to the processor count.</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    public const double BeamEnergy = 8000.0;
    public const double LatticeSi = 5.43102;
    public const int ReflectionL = 4;
    public const int Rows = 516;
    public const int Columns = 516;
    public static readonly (double Dim0, double Dim1) CenterChannel = (250.3, 262.7);
    public static readonly (double Dim0, double Dim1) ChannelsPerDegree = (318.0, 318.0);
}
