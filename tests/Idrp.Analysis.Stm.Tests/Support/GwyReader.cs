using System.Buffers.Binary;
using System.Text;

namespace Idrp.Analysis.Stm.Tests.Support;

/// <summary>Test-side reader of Gwyddion .gwy files (GWYP), written from the format description, not from our writer.</summary>
internal static class GwyReader
{
    public sealed record Field(int XRes, int YRes, double XReal, double YReal, string XYUnit, string ZUnit, double[] Data);

    /// <summary>Data fields by container key (e.g. "/0/data") plus string components (titles).</summary>
    public static (Dictionary<string, Field> Fields, Dictionary<string, string> Strings) Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal("GWYP", Encoding.ASCII.GetString(bytes, 0, 4));
        var pos = 4;
        var fields = new Dictionary<string, Field>();
        var strings = new Dictionary<string, string>();
        var (_, components) = ReadObject(bytes, ref pos);
        foreach (var (name, value) in components)
        {
            if (value is Dictionary<string, object> obj && obj.TryGetValue("__type", out var t) && (string)t == "GwyDataField")
            {
                fields[name] = new Field((int)obj["xres"], (int)obj["yres"], (double)obj["xreal"], (double)obj["yreal"],
                    Unit(obj, "si_unit_xy"), Unit(obj, "si_unit_z"), (double[])obj["data"]);
            }
            else if (value is string s)
            {
                strings[name] = s;
            }
        }

        return (fields, strings);
    }

    private static string Unit(Dictionary<string, object> obj, string key) =>
        obj.TryGetValue(key, out var u) && u is Dictionary<string, object> unit && unit.TryGetValue("unitstr", out var s) ? (string)s : string.Empty;

    private static (string Type, List<(string, object)> Components) ReadObject(byte[] b, ref int pos)
    {
        var type = CString(b, ref pos);
        var size = (int)BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(pos));
        pos += 4;
        var end = pos + size;
        var components = new List<(string, object)>();
        while (pos < end)
        {
            var name = CString(b, ref pos);
            var kind = (char)b[pos++];
            object value;
            switch (kind)
            {
                case 'b': value = b[pos] != 0; pos += 1; break;
                case 'c': value = b[pos]; pos += 1; break;
                case 'i': value = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(pos)); pos += 4; break;
                case 'q': value = BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(pos)); pos += 8; break;
                case 'd': value = BinaryPrimitives.ReadDoubleLittleEndian(b.AsSpan(pos)); pos += 8; break;
                case 's': value = CString(b, ref pos); break;
                case 'o':
                    {
                        var (t, inner) = ReadObject(b, ref pos);
                        var dict = new Dictionary<string, object> { ["__type"] = t };
                        foreach (var (k, v) in inner)
                        {
                            dict[k] = v;
                        }

                        value = dict;
                        break;
                    }

                case 'D':
                    {
                        var n = (int)BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(pos));
                        pos += 4;
                        var data = new double[n];
                        for (var i = 0; i < n; i++)
                        {
                            data[i] = BinaryPrimitives.ReadDoubleLittleEndian(b.AsSpan(pos + i * 8));
                        }

                        pos += n * 8;
                        value = data;
                        break;
                    }

                case 'I':
                case 'S':
                case 'O':
                case 'C':
                case 'Q':
                    {
                        // arrays we do not need: skip them
                        var n = (int)BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(pos));
                        pos += 4;
                        if (kind == 'S')
                        {
                            for (var i = 0; i < n; i++) CString(b, ref pos);
                        }
                        else if (kind == 'O')
                        {
                            for (var i = 0; i < n; i++) ReadObject(b, ref pos);
                        }
                        else
                        {
                            pos += n * (kind == 'I' ? 4 : kind == 'C' ? 1 : 8);
                        }

                        value = n;
                        break;
                    }

                default:
                    throw new InvalidDataException($"unknown GWY component type '{kind}' for '{name}'");
            }

            components.Add((name, value));
        }

        return (type, components);
    }

    private static string CString(byte[] b, ref int pos)
    {
        var end = Array.IndexOf(b, (byte)0, pos);
        var s = Encoding.UTF8.GetString(b, pos, end - pos);
        pos = end + 1;
        return s;
    }
}
