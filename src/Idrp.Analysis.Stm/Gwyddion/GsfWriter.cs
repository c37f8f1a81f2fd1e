using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Idrp.Analysis.Stm.Gwyddion;

/// <summary>A 2-D field with physical scaling, the unit of exchange with Gwyddion.</summary>
/// <param name="Columns">X resolution.</param>
/// <param name="Rows">Y resolution.</param>
/// <param name="Values">Row-major, row 0 = top, in <paramref name="ZUnit"/>.</param>
/// <param name="XReal">Physical width in <paramref name="XYUnit"/>.</param>
/// <param name="YReal">Physical height in <paramref name="XYUnit"/>.</param>
/// <param name="XYUnit">Lateral unit, e.g. <c>m</c>.</param>
/// <param name="ZUnit">Value unit, e.g. <c>m</c> or <c>A</c>; empty for raw counts.</param>
/// <param name="Title">Channel title.</param>
public sealed record GwyField(int Columns, int Rows, double[] Values, double XReal, double YReal, string XYUnit, string ZUnit, string Title)
{
    /// <summary>Metadata written beside the field (GSF header keys, GWY <c>/0/meta</c>).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// Writes Gwyddion Simple Field (<c>.gsf</c>) files: a text header, NUL padding to a multiple of 4 bytes,
/// then little-endian float32 values row by row. Thread safe (stateless).
/// </summary>
public static class GsfWriter
{
    /// <summary>Writes <paramref name="field"/> to <paramref name="path"/>.</summary>
    public static void Write(string path, GwyField field)
    {
        using var stream = File.Create(path);
        Write(stream, field);
    }

    /// <summary>Writes <paramref name="field"/> to <paramref name="output"/>.</summary>
    public static void Write(Stream output, GwyField field)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(field);
        ArgumentOutOfRangeException.ThrowIfLessThan(field.Values.Length, field.Columns * field.Rows, nameof(field));
        var header = new StringBuilder();
        header.Append("Gwyddion Simple Field 1.0\n");
        Line(header, "XRes", field.Columns.ToString(CultureInfo.InvariantCulture));
        Line(header, "YRes", field.Rows.ToString(CultureInfo.InvariantCulture));
        Line(header, "XReal", field.XReal.ToString("R", CultureInfo.InvariantCulture));
        Line(header, "YReal", field.YReal.ToString("R", CultureInfo.InvariantCulture));
        Line(header, "XYUnits", field.XYUnit);
        Line(header, "ZUnits", field.ZUnit);
        Line(header, "Title", field.Title);
        foreach (var (key, value) in field.Metadata)
        {
            Line(header, key, value);
        }

        var bytes = Encoding.UTF8.GetBytes(header.ToString());
        output.Write(bytes);
        // 1 to 4 NUL bytes so that the data start at a multiple of 4
        output.Write(new byte[4 - (bytes.Length % 4)]);
        var row = new byte[field.Columns * 4];
        for (var y = 0; y < field.Rows; y++)
        {
            for (var x = 0; x < field.Columns; x++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(row.AsSpan(x * 4), (float)field.Values[y * field.Columns + x]);
            }

            output.Write(row);
        }
    }

    private static void Line(StringBuilder header, string key, string value)
    {
        // keys and values are single-line text; '=' in keys would break the format
        var cleanKey = key.Replace('=', '_').Replace('\n', ' ').Trim();
        var cleanValue = value.Replace('\n', ' ').Replace('\r', ' ');
        header.Append(cleanKey).Append(" = ").Append(cleanValue).Append('\n');
    }
}
