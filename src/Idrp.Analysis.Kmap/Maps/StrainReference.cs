using Idrp.Analysis.Kmap.QSpace;

namespace Idrp.Analysis.Kmap.Maps;

/// <summary>The unstrained lattice spacing d0 that strain = d / d0 - 1 refers to.</summary>
public abstract record StrainReference
{
    private StrainReference()
    {
    }

    /// <summary>d0 given in Angstrom (e.g. the bulk value of the substrate).</summary>
    public sealed record Spacing(double D0) : StrainReference;

    /// <summary>d0 is the d-spacing fitted at one scan point.</summary>
    public sealed record Point(int PointIndex) : StrainReference;

    /// <summary>d0 is the mean d-spacing of the fitted points inside a sample rectangle (micrometres).</summary>
    public sealed record Region(SampleBox Box) : StrainReference;
}
