using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Idrp.Analysis.Stm.Tests.Support;

/// <summary>A minimal reader for NumPy .npy arrays (version 1-3, little-endian numeric, C order) and .npz zips.</summary>
internal sealed record NpyArray(int[] Shape, double[] Values)
{
    public int Rows => Shape[^2];

    public int Columns => Shape[^1];

    public static NpyArray Read(string path)
    {
        using var stream = File.OpenRead(path);
        return Read(stream);
    }

    public static Dictionary<string, NpyArray> ReadNpz(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        var result = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
        foreach (var entry in zip.Entries)
        {
            using var stream = entry.Open();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            copy.Position = 0;
            result[System.IO.Path.GetFileNameWithoutExtension(entry.FullName)] = Read(copy);
        }

        return result;
    }

    public static NpyArray Read(Stream stream)
    {
        using var reader = new BinaryReader(stream, Encoding.Latin1, leaveOpen: true);
        var magic = reader.ReadBytes(6);
        if (magic[0] != 0x93 || Encoding.ASCII.GetString(magic, 1, 5) != "NUMPY")
        {
            throw new InvalidDataException("not a .npy stream");
        }

        var major = reader.ReadByte();
        reader.ReadByte();
        var headerLength = major == 1 ? reader.ReadUInt16() : (int)reader.ReadUInt32();
        var header = Encoding.Latin1.GetString(reader.ReadBytes(headerLength));
        var descr = Between(header, "'descr':", ",").Trim().Trim('\'');
        if (header.Contains("'fortran_order': True", StringComparison.Ordinal))
        {
            throw new NotSupportedException("Fortran-ordered .npy");
        }

        var shapeText = Between(header, "'shape': (", ")");
        var shape = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var count = shape.Aggregate(1, (a, b) => a * b);
        var values = new double[count];
        var size = int.Parse(descr[2..], CultureInfo.InvariantCulture);
        var bytes = reader.ReadBytes(count * size);
        if (descr[0] == '>')
        {
            throw new NotSupportedException("big-endian .npy");
        }

        for (var i = 0; i < count; i++)
        {
            var b = bytes.AsSpan(i * size, size);
            values[i] = descr[1..] switch
            {
                "f8" => BinaryPrimitives.ReadDoubleLittleEndian(b),
                "f4" => BinaryPrimitives.ReadSingleLittleEndian(b),
                "i2" => BinaryPrimitives.ReadInt16LittleEndian(b),
                "i4" => BinaryPrimitives.ReadInt32LittleEndian(b),
                "i8" => BinaryPrimitives.ReadInt64LittleEndian(b),
                "u1" => b[0],
                _ => throw new NotSupportedException($"dtype {descr}"),
            };
        }

        return new NpyArray(shape, values);
    }

    private static string Between(string text, string start, string end)
    {
        var i = text.IndexOf(start, StringComparison.Ordinal) + start.Length;
        return text[i..text.IndexOf(end, i, StringComparison.Ordinal)];
    }
}
