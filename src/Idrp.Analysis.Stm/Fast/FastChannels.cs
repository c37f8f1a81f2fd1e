namespace Idrp.Analysis.Stm.Fast;

/// <summary>
/// Which lines of the FAST acquisition become frames, named as in pyfastspm
/// (<c>uf</c>, <c>ub</c>, <c>df</c>, <c>db</c>, <c>udf</c>, <c>udb</c>, <c>ui</c>, <c>di</c>, <c>udi</c>).
/// </summary>
/// <remarks>
/// One image is one slow (y) period: an up sweep then a down sweep, each of <c>2 * Y_Points</c> lines that
/// alternate forward (even line) and backward (odd line). Forward and backward channels keep every other
/// line (frames of <c>Y_Points</c> rows); interlaced channels keep both (frames of <c>2 * Y_Points</c> rows).
/// </remarks>
public enum FastChannels
{
    /// <summary><c>uf</c>: up sweep, forward lines; one frame per image.</summary>
    UpForward,
    /// <summary><c>ub</c>: up sweep, backward lines (mirrored in x); one frame per image.</summary>
    UpBackward,
    /// <summary><c>df</c>: down sweep, forward lines; one frame per image.</summary>
    DownForward,
    /// <summary><c>db</c>: down sweep, backward lines (mirrored in x); one frame per image.</summary>
    DownBackward,
    /// <summary><c>udf</c>: up then down sweep, forward lines; two frames per image.</summary>
    UpDownForward,
    /// <summary><c>udb</c>: up then down sweep, backward lines; two frames per image.</summary>
    UpDownBackward,
    /// <summary><c>ui</c>: up sweep, all lines interlaced; one frame of 2 x Y_Points rows per image.</summary>
    UpInterlaced,
    /// <summary><c>di</c>: down sweep, all lines interlaced; one frame of 2 x Y_Points rows per image.</summary>
    DownInterlaced,
    /// <summary><c>udi</c>: up then down sweep, interlaced; two frames of 2 x Y_Points rows per image.</summary>
    UpDownInterlaced,
}

/// <summary>Parsing, naming and geometry of <see cref="FastChannels"/>.</summary>
public static class FastChannelsExtensions
{
    /// <summary>The pyfastspm descriptor, e.g. <c>udi</c>.</summary>
    public static string ToDescriptor(this FastChannels channels) => channels switch
    {
        FastChannels.UpForward => "uf",
        FastChannels.UpBackward => "ub",
        FastChannels.DownForward => "df",
        FastChannels.DownBackward => "db",
        FastChannels.UpDownForward => "udf",
        FastChannels.UpDownBackward => "udb",
        FastChannels.UpInterlaced => "ui",
        FastChannels.DownInterlaced => "di",
        FastChannels.UpDownInterlaced => "udi",
        _ => throw new ArgumentOutOfRangeException(nameof(channels)),
    };

    /// <summary>Parses a pyfastspm descriptor (<c>uf</c> ... <c>udi</c>, case-insensitive).</summary>
    /// <exception cref="FormatException">The text is not one of the nine descriptors.</exception>
    public static FastChannels Parse(string descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        foreach (var value in Enum.GetValues<FastChannels>())
        {
            if (string.Equals(value.ToDescriptor(), descriptor.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        throw new FormatException($"'{descriptor}' is not a FAST channel descriptor (uf, ub, df, db, udf, udb, ui, di, udi).");
    }

    /// <summary>Frames produced from one image: 2 for up-down channels, otherwise 1.</summary>
    public static int FramesPerImage(this FastChannels channels) =>
        channels is FastChannels.UpDownForward or FastChannels.UpDownBackward or FastChannels.UpDownInterlaced ? 2 : 1;

    /// <summary>True for interlaced channels, whose frames have <c>2 * Y_Points</c> rows.</summary>
    public static bool IsInterlaced(this FastChannels channels) =>
        channels is FastChannels.UpInterlaced or FastChannels.DownInterlaced or FastChannels.UpDownInterlaced;

    /// <summary>Rows of one frame for a file with <paramref name="yPoints"/> lines per direction.</summary>
    public static int FrameRows(this FastChannels channels, int yPoints) => channels.IsInterlaced() ? 2 * yPoints : yPoints;

    /// <summary>The frame label used in file names: <c>u</c>/<c>d</c> plus <c>f</c>/<c>b</c>/<c>i</c>, as pyfastspm's <c>iter_frames</c>.</summary>
    public static string FrameLabel(this FastChannels channels, int frameInImage)
    {
        var d = channels.ToDescriptor();
        var last = d[^1];
        return channels.FramesPerImage() == 2 ? (frameInImage == 0 ? "u" : "d") + last : d;
    }
}
