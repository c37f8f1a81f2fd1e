using System.ComponentModel.DataAnnotations;
using Idrp.Analysis.Stm.Export;
using Idrp.Analysis.Stm.Fast;
using Idrp.Analysis.Stm.Processing;

namespace Idrp.Server.Features.Stm;

/// <summary>
/// Parameters of <c>stm.movie</c>, mirroring <c>idrp stm movie/frames/export</c>: the corrections (docs/analysis/stm.md),
/// the rendering and which outputs to write.
/// </summary>
public sealed class StmMovieParameters
{
    /// <summary>pyfastspm's converter notebook: udi, auto phase, the default FFT filter, creep, drift (overrides the corrections below).</summary>
    public bool Notebook { get; set; }

    /// <summary>uf, ub, df, db, udf, udb, ui, di or udi.</summary>
    [RegularExpression("^(uf|ub|df|db|udf|udb|ui|di|udi)$")]
    public string Channels { get; set; } = "udf";

    /// <summary>x phase in samples (with autoPhase: added to the detected one); null = the file's.</summary>
    [Range(-100000, 100000)]
    public int? Phase { get; set; }

    /// <summary>Detect the x phase from frame 0.</summary>
    public bool AutoPhase { get; set; }

    /// <summary>FFT filter: "default", or a list of x, y, xo[=N], hp[=HZ[:WIDTH]], pump=HZ[:HZ..], pumpo=N, width=HZ; null = none.</summary>
    [MaxLength(200)]
    public string? Fft { get; set; }

    /// <summary>Fit and correct y creep (up-down channels).</summary>
    public bool Creep { get; set; }

    /// <summary>Known creep parameter instead of a fit.</summary>
    [Range(0.0, 10.0)]
    public double? CreepParameter { get; set; }

    /// <summary>Interpolate to the regular grid.</summary>
    public bool Interpolate { get; set; }

    /// <summary>Correct drift (frame cross-correlation).</summary>
    public bool Drift { get; set; }

    /// <summary>Frames between correlated frames.</summary>
    [Range(1, 1000)]
    public int DriftStep { get; set; } = 10;

    /// <summary>hot, gray or gwyddion.</summary>
    [RegularExpression("^(hot|gray|grey|gwyddion)$")]
    public string Colormap { get; set; } = "hot";

    /// <summary>Integer enlargement of every pixel.</summary>
    [Range(1, 16)]
    public int Scale { get; set; } = 4;

    /// <summary>Fraction of values inside the colour range.</summary>
    [Range(0.01, 1.0)]
    public double Contrast { get; set; } = 0.99;

    /// <summary>Convert the signal from ADC counts to physical units.</summary>
    public bool Physical { get; set; }

    /// <summary>Playback speed relative to real time.</summary>
    [Range(0.001, 1000.0)]
    public double Speed { get; set; } = 1;

    /// <summary>Write the MP4 movie.</summary>
    public bool Mp4 { get; set; } = true;

    /// <summary>First frame written as PNG.</summary>
    [Range(0, int.MaxValue)]
    public int PngFirst { get; set; }

    /// <summary>Frames written as PNG from pngFirst (0 = none; clipped to the movie).</summary>
    [Range(0, 100000)]
    public int PngCount { get; set; }

    /// <summary>Write a Gwyddion .gwy file with one channel per exported frame.</summary>
    public bool Gwy { get; set; }

    /// <summary>Write one Gwyddion Simple Field (.gsf) per exported frame.</summary>
    public bool Gsf { get; set; }

    /// <summary>First frame exported to .gwy / .gsf.</summary>
    [Range(0, int.MaxValue)]
    public int ExportFirst { get; set; }

    /// <summary>Frames exported to .gwy / .gsf (clipped to the movie).</summary>
    [Range(1, 10000)]
    public int ExportCount { get; set; } = 1;

    /// <summary>The corrections as the library takes them.</summary>
    /// <exception cref="FormatException">A malformed FFT filter list.</exception>
    public FastProcessing Processing() => Notebook
        ? FastProcessing.Notebook with { XPhase = Phase }
        : new FastProcessing(FastChannelsExtensions.Parse(Channels), Phase, null, AutoPhase, Fft is null ? null : FftFilterOptions.Parse(Fft),
            Creep, CreepParameter, Interpolate, Drift, DriftStep);

    /// <summary>The rendering as the library takes it.</summary>
    public FastRendering Rendering() => new(Colormap, Scale, Contrast, Physical);
}
