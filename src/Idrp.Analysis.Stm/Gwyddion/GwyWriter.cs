using System.Buffers.Binary;
using System.Text;

namespace Idrp.Analysis.Stm.Gwyddion;

/// <summary>
/// Writes native Gwyddion <c>.gwy</c> files (format "GWYP": a serialised <c>GwyContainer</c>) holding one or
/// more data fields, each with its title and metadata. Thread safe (stateless).
/// </summary>
/// <remarks>
/// Serialisation: an object is its type name (NUL-terminated), a UInt32 byte size, then components; a
/// component is a NUL-terminated name, a one-byte type (<c>i</c> int32, <c>d</c> double, <c>s</c> string,
/// <c>o</c> object, <c>D</c> double array with UInt32 length) and the value, all little-endian.
/// </remarks>
public static class GwyWriter
{
    /// <summary>Writes <paramref name="fields"/> as channels 0, 1, ... of one file.</summary>
    public static void Write(string path, IReadOnlyList<GwyField> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        using var stream = File.Create(path);
        stream.Write("GWYP"u8);
        var container = new List<byte[]>();
        for (var i = 0; i < fields.Count; i++)
        {
            var field = fields[i];
            var prefix = "/" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            container.Add(Component(prefix + "/data", 'o', DataField(field)));
            container.Add(Component(prefix + "/data/title", 's', Str(field.Title)));
            if (field.Metadata.Count > 0)
            {
                var meta = new List<byte[]>();
                foreach (var (key, value) in field.Metadata)
                {
                    meta.Add(Component(key, 's', Str(value)));
                }

                container.Add(Component(prefix + "/meta", 'o', Obj("GwyContainer", meta)));
            }
        }

        stream.Write(Obj("GwyContainer", container));
    }

    private static byte[] DataField(GwyField field)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(field.Values.Length, field.Columns * field.Rows, nameof(field));
        var data = new byte[4 + field.Columns * field.Rows * 8];
        BinaryPrimitives.WriteUInt32LittleEndian(data, (uint)(field.Columns * field.Rows));
        for (var i = 0; i < field.Columns * field.Rows; i++)
        {
            var v = field.Values[i];
            BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(4 + i * 8), double.IsNaN(v) ? 0 : v);
        }

        return Obj("GwyDataField",
        [
            Component("xres", 'i', Int(field.Columns)),
            Component("yres", 'i', Int(field.Rows)),
            Component("xreal", 'd', Dbl(field.XReal)),
            Component("yreal", 'd', Dbl(field.YReal)),
            Component("si_unit_xy", 'o', Obj("GwySIUnit", [Component("unitstr", 's', Str(field.XYUnit))])),
            Component("si_unit_z", 'o', Obj("GwySIUnit", [Component("unitstr", 's', Str(field.ZUnit))])),
            Component("data", 'D', data),
        ]);
    }

    private static byte[] Obj(string type, List<byte[]> components)
    {
        var size = 0;
        foreach (var c in components)
        {
            size += c.Length;
        }

        using var buffer = new MemoryStream();
        buffer.Write(Str(type));
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)size);
        buffer.Write(length);
        foreach (var c in components)
        {
            buffer.Write(c);
        }

        return buffer.ToArray();
    }

    private static byte[] Component(string name, char type, byte[] value)
    {
        var nameBytes = Str(name);
        var result = new byte[nameBytes.Length + 1 + value.Length];
        nameBytes.CopyTo(result, 0);
        result[nameBytes.Length] = (byte)type;
        value.CopyTo(result, nameBytes.Length + 1);
        return result;
    }

    private static byte[] Str(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        Array.Resize(ref bytes, bytes.Length + 1);
        return bytes;
    }

    private static byte[] Int(int v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, v);
        return b;
    }

    private static byte[] Dbl(double v)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(b, v);
        return b;
    }
}
