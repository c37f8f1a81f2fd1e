using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Idrp.Analysis.Kmap.Fit;
using Idrp.Analysis.Kmap.Maps;
using Idrp.Analysis.Kmap.QSpace;

namespace Idrp.Server.Features.Kmap;

/// <summary>A rectangle of sample positions in micrometres (inclusive).</summary>
public sealed class SampleRectangle
{
    public double XMin { get; set; }

    public double XMax { get; set; }

    public double YMin { get; set; }

    public double YMax { get; set; }

    internal SampleBox ToBox() => new(XMin, XMax, YMin, YMax);
}

/// <summary>A box in reciprocal space, 1/Angstrom, sample frame.</summary>
public sealed class QRegion
{
    public double QxMin { get; set; }

    public double QxMax { get; set; }

    public double QyMin { get; set; }

    public double QyMax { get; set; }

    public double QzMin { get; set; }

    public double QzMax { get; set; }

    internal QBox ToBox() => new(QxMin, QxMax, QyMin, QyMax, QzMin, QzMax);
}

/// <summary>Parameters of <c>kmap.reduce</c>: Q-space conversion, then the per-point fit and the maps.</summary>
public sealed class KmapReduceParameters : IValidatableObject
{
    [Description("Path of the master file (X-SOCS merged) or BLISS scan file among the inputs, e.g. 'kmap_master.h5'. Default: the HDF5 input with the most entries.")]
    [StringLength(1000)]
    public string? Master { get; set; }

    [Description("Bins along qx, qy, qz (qx follows the rocking step unless alignQx is false).")]
    [Length(3, 3)]
    public int[] GridShape { get; set; } = [32, 32, 64];

    [Description("Make qx bins one rocking step wide (recommended).")]
    public bool AlignQx { get; set; } = true;

    [Description("3x3 median filter of every frame before binning.")]
    public bool MedianFilter { get; set; }

    [Description("Scale each frame by mean monitor / its monitor.")]
    public bool NormaliseByMonitor { get; set; }

    [Description("Detector mask among the inputs: 'mask.npy' or 'mask.h5[:dataset]' (non-zero = ignore the pixel).")]
    [StringLength(1000)]
    public string? Mask { get; set; }

    [Description("Convert and fit only the scan points inside this rectangle (micrometres).")]
    public SampleRectangle? SampleRoi { get; set; }

    [Description("Grid only this Q box, and fit only inside it (1/Angstrom).")]
    public QRegion? QRoi { get; set; }

    [Description("gaussian (Levenberg-Marquardt) or centreOfMass.")]
    public FitMethod Method { get; set; } = FitMethod.Gaussian;

    [Description("Fit a constant background with the peak (centre of mass: subtract the minimum).")]
    public bool Background { get; set; } = true;

    [Description("Strain reference: d at this scan point.")]
    [Range(0, int.MaxValue)]
    public int? ReferencePoint { get; set; }

    [Description("Strain reference: mean d over the points in this rectangle (micrometres).")]
    public SampleRectangle? ReferenceRegion { get; set; }

    [Description("Strain reference: this d0 in Angstrom. Without any reference, the mean d of all fitted points.")]
    [Range(1e-3, 1e3)]
    public double? D0 { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (GridShape is { Length: 3 } shape && shape.Any(n => n is < 2 or > 512))
        {
            yield return new ValidationResult("Each of the three bin counts is between 2 and 512.", [nameof(GridShape)]);
        }

        if (GridShape is { Length: 3 } s && (long)s[0] * s[1] * s[2] > 8_000_000)
        {
            yield return new ValidationResult("At most 8,000,000 bins per cube.", [nameof(GridShape)]);
        }

        if ((ReferencePoint is null ? 0 : 1) + (ReferenceRegion is null ? 0 : 1) + (D0 is null ? 0 : 1) > 1)
        {
            yield return new ValidationResult("Give at most one of referencePoint, referenceRegion and d0.", [nameof(ReferencePoint)]);
        }

        foreach (var (name, box) in new[] { (nameof(SampleRoi), SampleRoi), (nameof(ReferenceRegion), ReferenceRegion) })
        {
            if (box is not null && (!(box.XMin <= box.XMax) || !(box.YMin <= box.YMax)))
            {
                yield return new ValidationResult("xMin <= xMax and yMin <= yMax.", [name]);
            }
        }

        if (QRoi is { } q && (!(q.QxMin < q.QxMax) || !(q.QyMin < q.QyMax) || !(q.QzMin < q.QzMax)))
        {
            yield return new ValidationResult("Each minimum is below its maximum.", [nameof(QRoi)]);
        }
    }

    internal QSpaceOptions ToConversion() => new()
    {
        GridShape = (GridShape[0], GridShape[1], GridShape[2]),
        AlignQxToRockingStep = AlignQx,
        MedianFilter = MedianFilter,
        NormaliseByMonitor = NormaliseByMonitor,
        SampleRoi = SampleRoi?.ToBox(),
        QRoi = QRoi?.ToBox(),
    };

    internal FitOptions ToFit() => new()
    {
        Method = Method,
        Background = Background ? BackgroundMode.Constant : BackgroundMode.None,
        SampleRoi = SampleRoi?.ToBox(),
        QRoi = QRoi?.ToBox(),
    };

    internal StrainReference ToReference() =>
        D0 is { } d0 ? new StrainReference.Spacing(d0)
        : ReferencePoint is { } point ? new StrainReference.Point(point)
        : ReferenceRegion is { } region ? new StrainReference.Region(region.ToBox())
        : new StrainReference.Region(new SampleBox(double.NegativeInfinity, double.PositiveInfinity, double.NegativeInfinity, double.PositiveInfinity));
}
