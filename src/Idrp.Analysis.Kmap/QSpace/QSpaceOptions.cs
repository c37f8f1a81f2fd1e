namespace Idrp.Analysis.Kmap.QSpace;

/// <summary>A rectangle of sample positions in micrometres (inclusive), selecting scan points.</summary>
public readonly record struct SampleBox(double XMin, double XMax, double YMin, double YMax)
{
    public bool Contains(double x, double y) => x >= XMin && x <= XMax && y >= YMin && y <= YMax;
}

/// <summary>Settings of a Q-space conversion. Immutable.</summary>
public sealed record QSpaceOptions
{
    /// <summary>Bins along qx, qy, qz. The default bins are about as wide as a sharp Bragg peak at ID01 (~0.004 1/Angstrom).</summary>
    public (int X, int Y, int Z) GridShape { get; init; } = (32, 32, 32);

    /// <summary>Q-space region to grid; null spans every pixel of every entry.</summary>
    public QBox? QRoi { get; init; }

    /// <summary>Scan points to convert; null converts all.</summary>
    public SampleBox? SampleRoi { get; init; }

    /// <summary>Detector pixels to ignore (row-major, true = masked), or null.</summary>
    public bool[]? Mask { get; init; }

    /// <summary>Applies a 3x3 median filter (zero padding at the frame edge, as scipy's medfilt2d) to each frame before binning.</summary>
    public bool MedianFilter { get; init; }

    /// <summary>Scales each frame by (mean monitor / monitor of that frame) when the entries carry a monitor.</summary>
    public bool NormaliseByMonitor { get; init; }

    /// <summary>Worker threads; defaults to the processor count.</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Deflate level of the cube chunks in the output file (0-9), or null for none.</summary>
    public int? OutputCompressionLevel { get; init; }
}
