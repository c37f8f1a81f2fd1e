using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Idrp.Analysis.Stm.Matrix;

/// <summary>One scan direction of a MATRIX image.</summary>
public enum MatrixScanDirection
{
    /// <summary>Forward lines of the upward (bottom to top) frame.</summary>
    TraceUp,
    /// <summary>Backward lines of the upward frame.</summary>
    RetraceUp,
    /// <summary>Forward lines of the downward frame.</summary>
    TraceDown,
    /// <summary>Backward lines of the downward frame.</summary>
    RetraceDown,
}

/// <summary>
/// One image of a MATRIX data file in physical units: <see cref="Values"/> row-major, row 0 = top of the
/// image, column 0 = left (the orientation of Gwyddion's import). Points never measured are NaN.
/// </summary>
public sealed record MatrixImage(
    MatrixScanDirection Direction, int Columns, int Rows, double[] Values, string Unit,
    double WidthMetres, double HeightMetres, double XOffsetMetres, double YOffsetMetres);

/// <summary>One spectroscopy curve: <see cref="X"/> (e.g. bias in V or time in s) and <see cref="Y"/> in <see cref="YUnit"/>.</summary>
public sealed record MatrixCurve(bool Reverse, double[] X, string XUnit, double[] Y, string YUnit);

/// <summary>Reads Omicron MATRIX data files (<c>*.Z_mtrx</c>, <c>*.I(V)_mtrx</c>, ...) with their parameter file. Thread safe (stateless).</summary>
public static class MatrixFile
{
    private static readonly byte[] s_magic = Encoding.ASCII.GetBytes("ONTMATRX0101");

    /// <summary>Reads the images of an image data file (one to four scan directions).</summary>
    /// <exception cref="MatrixFormatException">The file is not a MATRIX image or its channel is not in the parameter file.</exception>
    public static IReadOnlyList<MatrixImage> ReadImages(string dataPath, MatrixParameterFile parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var (channel, raw, expected) = ReadData(dataPath, parameters);
        var fast = parameters.Axes.GetValueOrDefault(channel.IndependentAxisKey)
            ?? throw new MatrixFormatException($"Axis {channel.IndependentAxisKey} of channel {channel.Name} is not defined.");
        var slow = parameters.Axes.GetValueOrDefault(fast.NextKey)
            ?? throw new MatrixFormatException($"Channel {channel.Name} has no slow axis: not an image.");
        var xPoints = fast.Mirrored ? fast.Length / 2 : fast.Length;
        var yPoints = slow.Mirrored ? slow.Length / 2 : slow.Length;
        if ((long)fast.Length * slow.Length != expected)
        {
            throw new MatrixFormatException($"Axis lengths {fast.Length} x {slow.Length} do not match the {expected} points the file declares.");
        }

        var settings = parameters.SettingsFor(dataPath);
        var width = Setting(settings, "XYScanner_Width");
        var height = Setting(settings, "XYScanner_Height");
        var xOffset = Setting(settings, "XYScanner_X_Offset");
        var yOffset = Setting(settings, "XYScanner_Y_Offset");
        var transfer = channel.TransferFunction;
        var unit = transfer?.Unit ?? channel.Unit;

        // Stream order: per slow step one fast line (forward, then backward if mirrored); the downward
        // frame (if mirrored) follows the upward one in reverse time order.
        var images = new List<MatrixImage>();
        var perFrame = fast.Length * yPoints;
        var frames = slow.Mirrored ? 2 : 1;
        for (var frame = 0; frame < frames; frame++)
        {
            for (var pass = 0; pass < (fast.Mirrored ? 2 : 1); pass++)
            {
                var values = new double[xPoints * yPoints];
                for (var line = 0; line < yPoints; line++)
                {
                    for (var x = 0; x < xPoints; x++)
                    {
                        // index in the frame's own time order
                        long t = line * fast.Length + pass * xPoints + x;
                        var streamIndex = frame == 0 ? t : (2L * perFrame) - 1 - t;
                        // row 0 is the top: the upward frame's first line is at the bottom
                        var row = yPoints - 1 - line;
                        var column = pass == 0 == (frame == 0 || fast.Mirrored) ? x : xPoints - 1 - x;
                        values[row * xPoints + column] = streamIndex < raw.Length
                            ? (transfer?.Apply(raw[streamIndex]) ?? raw[streamIndex])
                            : double.NaN;
                    }
                }

                // reversed in time, the downward frame's lines start with the backward pass
                var backward = frame == 0 ? pass == 1 : fast.Mirrored && pass == 0;
                var direction = (MatrixScanDirection)(frame * 2 + (backward ? 1 : 0));
                images.Add(new MatrixImage(direction, xPoints, yPoints, values, unit, width, height, xOffset, yOffset));
            }
        }

        return images;
    }

    /// <summary>Reads the curves of a spectroscopy data file: one curve, or forward and reverse when the sweep is mirrored.</summary>
    public static IReadOnlyList<MatrixCurve> ReadCurves(string dataPath, MatrixParameterFile parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var (channel, raw, _) = ReadData(dataPath, parameters);
        var axis = parameters.Axes.GetValueOrDefault(channel.IndependentAxisKey)
            ?? throw new MatrixFormatException($"Axis {channel.IndependentAxisKey} of channel {channel.Name} is not defined.");
        // a time curve is saved while it runs: keep the points recorded, not the points planned
        var points = axis.Mirrored ? axis.Length / 2 : Math.Min(axis.Length, raw.Length);
        var settings = parameters.SettingsFor(dataPath);
        var (x, xUnit) = SweepAxis(axis, points, settings, dataPath);
        var transfer = channel.TransferFunction;
        var curves = new List<MatrixCurve>();
        for (var c = 0; c < (axis.Mirrored ? 2 : 1); c++)
        {
            var y = new double[points];
            for (var i = 0; i < points; i++)
            {
                var t = c * points + i;
                var index = c == 0 ? i : points - 1 - i;
                y[index] = t < raw.Length ? (transfer?.Apply(raw[t]) ?? raw[t]) : double.NaN;
            }

            curves.Add(new MatrixCurve(c == 1, x, xUnit, y, transfer?.Unit ?? channel.Unit));
        }

        return curves;
    }

    internal static void CheckMagic(ReadOnlySpan<byte> bytes, string path)
    {
        if (bytes.Length < 12 || !bytes[..12].SequenceEqual(s_magic))
        {
            throw new MatrixFormatException($"'{path}' is not an Omicron MATRIX file (no ONTMATRX0101 header).");
        }
    }

    private static (double[] X, string Unit) SweepAxis(MatrixAxis axis, int points, IReadOnlyDictionary<string, MatrixParameter> settings, string path)
    {
        var x = new double[points];
        var name = axis.Name;
        string? device = name.EndsWith('V') ? "Spectroscopy_Device_1" : name.EndsWith('Z') ? "Spectroscopy_Device_2" : null;
        if (device is not null && settings.TryGetValue(device + "_Start", out var start) && settings.TryGetValue(device + "_End", out var end))
        {
            var a = start.AsDouble();
            var b = end.AsDouble();
            for (var i = 0; i < points; i++)
            {
                x[i] = points == 1 ? a : a + (b - a) * i / (points - 1);
            }

            return (x, start.Unit);
        }

        if (name.Contains("Clock2", StringComparison.Ordinal) && settings.TryGetValue("Clock2_Period", out var period))
        {
            // repeated time curves continue the clock: repetition r starts at (r - 1) * points periods
            var repetition = Repetition(path);
            for (var i = 0; i < points; i++)
            {
                x[i] = (i + (double)points * (repetition - 1)) * period.AsDouble();
            }

            return (x, "s");
        }

        for (var i = 0; i < points; i++)
        {
            x[i] = i;
        }

        return (x, string.Empty);
    }

    private static int Repetition(string path)
    {
        var name = Path.GetFileName(path);
        var dash = name.LastIndexOf("--", StringComparison.Ordinal);
        var underscore = dash < 0 ? -1 : name.IndexOf('_', dash);
        var dot = underscore < 0 ? -1 : name.IndexOf('.', underscore);
        return dot > underscore + 1 && int.TryParse(name.AsSpan(underscore + 1, dot - underscore - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var r) ? r : 1;
    }

    private static double Setting(IReadOnlyDictionary<string, MatrixParameter> settings, string key) =>
        settings.TryGetValue(key, out var p) ? p.AsDouble() : double.NaN;

    private static (MatrixChannel Channel, int[] Raw, long Expected) ReadData(string path, MatrixParameterFile parameters)
    {
        var bytes = File.ReadAllBytes(path);
        CheckMagic(bytes, path);
        // file header: tag (4), length (4), timestamp (8), then 4 unused bytes
        var position = 12 + 16 + 4;
        MatrixChannel? channel = null;
        long expected = 0;
        int[]? raw = null;
        while (position + 8 <= bytes.Length)
        {
            var header = new MatrixBinary(bytes.AsSpan(position, 8));
            var tag = header.Tag();
            var length = checked((int)header.UInt32());
            position += 8;
            if (position + length > bytes.Length)
            {
                throw new MatrixFormatException($"Block {tag} in '{path}' runs past the end of the file.");
            }

            var block = bytes.AsSpan(position, length);
            position += length;
            if (tag == "DESC")
            {
                var desc = new MatrixBinary(block);
                var key = desc.UInt64();
                desc.Skip(12);
                expected = desc.UInt32();
                channel = parameters.Channels.GetValueOrDefault(key)
                    ?? throw new MatrixFormatException($"Channel {key} of '{path}' is not in the parameter file: is it the right *_0001.mtrx?");
            }
            else if (tag == "DATA")
            {
                raw = new int[length / 4];
                for (var i = 0; i < raw.Length; i++)
                {
                    raw[i] = BinaryPrimitives.ReadInt32LittleEndian(block.Slice(i * 4, 4));
                }
            }
        }

        return (channel ?? throw new MatrixFormatException($"'{path}' has no DESC block."),
            raw ?? throw new MatrixFormatException($"'{path}' has no DATA block."), expected);
    }
}
