namespace Idrp.Analysis.Kmap.QSpace;

/// <summary>A rectangle of sample positions in micrometres (inclusive), selecting scan points.</summary>
public readonly record struct SampleBox(double XMin, double XMax, double YMin, double YMax)
{
    public bool Contains(double x, double y) => x >= XMin && x <= XMax && y >= YMin && y <= YMax;
}

/// <summary>Settings of a Q-space conversion. Immutable.</summary>
public sealed record QSpaceOptions
{
    /// <summary>
    /// Bins along qx, qy, qz. With the defaults and the ID01 detector, bins are about one Bragg-peak width (~0.004 1/Angstrom)
    /// along qy and half that along qz, where the detector samples densely. X is ignored when <see cref="AlignQxToRockingStep"/> applies.
    /// </summary>
    public (int X, int Y, int Z) GridShape { get; init; } = (32, 32, 64);

    /// <summary>
    /// Makes the qx bins exactly one rocking step wide in Q (Qz * d(eta)), when the entries form a rocking scan in eta
    /// with a constant step. Every entry's Ewald surface then crosses each qx column exactly once per step, so every column
    /// is sampled alike; with bins of arbitrary width some columns get one surface and some two, which biases the
    /// fitted qx and qz centres by up to 1/30 of the peak width. Default true.
    /// </summary>
    public bool AlignQxToRockingStep { get; init; } = true;

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
