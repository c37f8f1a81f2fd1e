using System.Globalization;
using Idrp.Analysis.Kmap;
using Idrp.Analysis.Kmap.Input;
using Idrp.Analysis.Kmap.Maps;
using Idrp.Analysis.Kmap.QSpace;

namespace Idrp.Cli.Commands;

/// <summary>Parses the <c>idrp kmap</c> option values; a malformed value is a usage error (exit 2) that quotes the option.</summary>
internal static class KmapCliFiles
{
    private static readonly (string Name, MapKind Kind)[] KindNames =
    [
        ("strain", MapKind.Strain), ("tilt_x", MapKind.TiltX), ("tilt_y", MapKind.TiltY), ("tilt", MapKind.Tilt),
        ("azimuth", MapKind.Azimuth), ("q_norm", MapKind.QNorm), ("d_spacing", MapKind.DSpacing), ("intensity", MapKind.Intensity),
    ];

    public static bool IsQSpaceFile(string path) => QSpaceH5File.IsQSpaceFile(path);

    /// <summary>"X0,X1,Y0,Y1" in micrometres.</summary>
    public static SampleBox? SampleBox(string? text, string option)
    {
        if (text is null)
        {
            return null;
        }

        var v = Numbers(text, 4, option, "X0,X1,Y0,Y1");
        return new SampleBox(Math.Min(v[0], v[1]), Math.Max(v[0], v[1]), Math.Min(v[2], v[3]), Math.Max(v[2], v[3]));
    }

    /// <summary>"QX0,QX1,QY0,QY1,QZ0,QZ1" in 1/Angstrom.</summary>
    public static QBox? QBox(string? text, string option)
    {
        if (text is null)
        {
            return null;
        }

        var v = Numbers(text, 6, option, "QX0,QX1,QY0,QY1,QZ0,QZ1");
        for (var a = 0; a < 6; a += 2)
        {
            if (!(v[a + 1] > v[a]))
            {
                throw new CliException(ExitCodes.Usage, $"{option}: each upper bound must exceed its lower bound ('{text}').");
            }
        }

        return new QBox(v[0], v[1], v[2], v[3], v[4], v[5]);
    }

    /// <summary>"NX,NY,NZ" or "NY,NZ" (qx then keeps <paramref name="current"/>'s count, or follows the rocking step).</summary>
    public static (int X, int Y, int Z) Shape(string text, (int X, int Y, int Z) current)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var n = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out n[i]) || n[i] < 1 || n[i] > 4096)
            {
                n = [];
                break;
            }
        }

        return n.Length switch
        {
            3 => (n[0], n[1], n[2]),
            2 => (current.X, n[0], n[1]),
            _ => throw new CliException(ExitCodes.Usage, $"--shape takes NX,NY,NZ or NY,NZ, whole numbers from 1 to 4096 ('{text}')."),
        };
    }

    /// <summary>The detector mask of <c>--mask</c>; an unreadable one is a data error naming the file.</summary>
    public static bool[] Mask(string spec, (int Rows, int Columns) shape) => DetectorMask.Load(spec, shape);

    /// <summary>"point[:INDEX]", "region[:X0,X1,Y0,Y1]", "d0:VALUE"; null means the mean over every fitted point.</summary>
    public static StrainReference Reference(string? text)
    {
        var all = new StrainReference.Region(new SampleBox(double.NegativeInfinity, double.PositiveInfinity, double.NegativeInfinity, double.PositiveInfinity));
        if (text is null)
        {
            return all;
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var (kind, value) = colon < 0 ? (text, null) : (text[..colon], text[(colon + 1)..]);
        switch (kind.Trim().ToLowerInvariant())
        {
            case "point":
                if (value is null)
                {
                    return new StrainReference.Point(0);
                }

                return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                    ? new StrainReference.Point(index)
                    : throw new CliException(ExitCodes.Usage, $"--reference point:INDEX takes a scan point index ('{text}').");
            case "region":
                return value is null ? all : new StrainReference.Region(SampleBox(value, "--reference region")!.Value);
            case "d0":
                return value is not null && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d0) && d0 > 0 && double.IsFinite(d0)
                    ? new StrainReference.Spacing(d0)
                    : throw new CliException(ExitCodes.Usage, $"--reference d0:VALUE takes the unstrained spacing in Å, e.g. d0:1.35776 ('{text}').");
            default:
                throw new CliException(ExitCodes.Usage, $"--reference is point[:INDEX], region[:X0,X1,Y0,Y1] or d0:VALUE ('{text}').");
        }
    }

    public static IReadOnlyList<MapKind> Kinds(string? text)
    {
        if (text is null)
        {
            return [MapKind.Strain, MapKind.TiltX, MapKind.TiltY, MapKind.Intensity];
        }

        var kinds = new List<MapKind>();
        foreach (var name in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var match = Array.FindIndex(KindNames, k => k.Name == name.ToLowerInvariant());
            if (match < 0)
            {
                throw new CliException(ExitCodes.Usage, $"--maps: unknown map '{name}'; choose from {string.Join(", ", KindNames.Select(k => k.Name))}.");
            }

            if (!kinds.Contains(KindNames[match].Kind))
            {
                kinds.Add(KindNames[match].Kind);
            }
        }

        return kinds;
    }

    public static string KindName(MapKind kind) => Array.Find(KindNames, k => k.Kind == kind).Name;

    private static double[] Numbers(string text, int count, string option, string form)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new double[parts.Length];
        var ok = parts.Length == count;
        for (var i = 0; ok && i < parts.Length; i++)
        {
            ok = double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) && double.IsFinite(values[i]);
        }

        return ok ? values : throw new CliException(ExitCodes.Usage, $"{option} takes {form} ('{text}').");
    }
}
