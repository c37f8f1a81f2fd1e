using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using PureHDF;

namespace Idrp.Server.Ui.Previews;

/// <summary>A numeric dataset read for plotting: values in row-major order and its shape (1 or 2 dimensions).</summary>
internal sealed record PlotData(string Path, double[] Values, int Rows, int Columns)
{
    public bool IsImage => Rows > 1 && Columns > 1;
}

/// <summary>
/// Plots of 1D and 2D numeric data, drawn on the server: a line as SVG, a 2D array as a PNG image (block-averaged
/// to at most <see cref="MaxImageSide"/> pixels a side). No script, no plotting service; the page shows the result.
/// </summary>
internal static class Plots
{
    /// <summary>Datasets larger than this are not read for a preview (8 MB of doubles).</summary>
    public const long MaxElements = 1_000_000;

    public const int MaxImageSide = 256;
    private const int MaxLinePoints = 1200;

    /// <summary>Paths of numeric 1D/2D datasets small enough to plot, in file order.</summary>
    public static List<string> Plottable(IEnumerable<Hdf5Node> nodes)
    {
        var result = new List<string>();
        foreach (var node in Flatten(nodes))
        {
            if (node.Kind == "dataset" && node.Type is { } type && (type.StartsWith("FloatingPoint", StringComparison.Ordinal) || type.StartsWith("FixedPoint", StringComparison.Ordinal))
                && node.Shape is { } shape && shape != "scalar")
            {
                var dims = shape.Split(" × ").Select(d => long.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1).ToArray();
                if (dims.Length is 1 or 2 && dims.All(d => d > 0) && dims.Aggregate(1L, (a, b) => a * b) is > 1 and <= MaxElements)
                {
                    result.Add(node.Path);
                }
            }
        }

        return result;
    }

    private static IEnumerable<Hdf5Node> Flatten(IEnumerable<Hdf5Node> nodes) => nodes.SelectMany(n => new[] { n }.Concat(Flatten(n.Children)));

    /// <summary>Reads one dataset of an HDF5 file (seekable stream) as doubles.</summary>
    public static PlotData Read(Stream file, string path)
    {
        using var h5 = H5File.Open(file, leaveOpen: true);
        var dataset = h5.Dataset(path);
        var dims = dataset.Space.Dimensions;
        var count = dims.Aggregate(1UL, (a, b) => a * b);
        if (dims.Length is not (1 or 2) || count > MaxElements)
        {
            throw new InvalidDataException($"{path} is not a 1D or 2D dataset of at most {MaxElements} values.");
        }

        var type = dataset.Type;
        double[] values = type.Class switch
        {
            H5DataTypeClass.FloatingPoint when type.Size == 4 => Array.ConvertAll(dataset.Read<float[]>(), v => (double)v),
            H5DataTypeClass.FloatingPoint => dataset.Read<double[]>(),
            H5DataTypeClass.FixedPoint when type.FixedPoint.IsSigned => type.Size switch
            {
                1 => Array.ConvertAll(dataset.Read<sbyte[]>(), v => (double)v),
                2 => Array.ConvertAll(dataset.Read<short[]>(), v => (double)v),
                4 => Array.ConvertAll(dataset.Read<int[]>(), v => (double)v),
                _ => Array.ConvertAll(dataset.Read<long[]>(), v => (double)v),
            },
            H5DataTypeClass.FixedPoint => type.Size switch
            {
                1 => Array.ConvertAll(dataset.Read<byte[]>(), v => (double)v),
                2 => Array.ConvertAll(dataset.Read<ushort[]>(), v => (double)v),
                4 => Array.ConvertAll(dataset.Read<uint[]>(), v => (double)v),
                _ => Array.ConvertAll(dataset.Read<ulong[]>(), v => (double)v),
            },
            _ => throw new InvalidDataException($"{path} is not numeric."),
        };
        return dims.Length == 1 ? new PlotData(path, values, 1, values.Length) : new PlotData(path, values, (int)dims[0], (int)dims[1]);
    }

    /// <summary>An SVG line plot of <paramref name="values"/> against their index, min/max-decimated so that peaks survive.</summary>
    public static string LineSvg(ReadOnlySpan<double> values, string label)
    {
        const double width = 640, height = 260, left = 64, right = 12, top = 12, bottom = 28;
        var (min, max) = Range(values);
        var points = new StringBuilder();
        var buckets = Math.Min(values.Length, MaxLinePoints / 2);
        for (var b = 0; b < buckets; b++)
        {
            var start = (int)((long)b * values.Length / buckets);
            var end = (int)((long)(b + 1) * values.Length / buckets);
            var (lo, hi) = Range(values[start..end]);
            foreach (var (v, i) in new[] { (lo, start), (hi, Math.Max(start, end - 1)) })
            {
                if (double.IsNaN(v))
                {
                    continue;
                }

                var x = left + (values.Length == 1 ? 0 : (width - left - right) * i / (values.Length - 1));
                var y = top + (max == min ? (height - top - bottom) / 2 : (height - top - bottom) * (max - v) / (max - min));
                points.Append(CultureInfo.InvariantCulture, $"{x:0.#},{y:0.#} ");
            }
        }

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"Line plot of {System.Net.WebUtility.HtmlEncode(label)}\" class=\"plot\">");
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{left}\" y=\"{top}\" width=\"{width - left - right}\" height=\"{height - top - bottom}\" fill=\"#fff\" stroke=\"#8c959f\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"#0b5cad\" stroke-width=\"1.5\" points=\"{points}\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 6}\" y=\"{top + 10}\" text-anchor=\"end\" font-size=\"12\">{Number(max)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 6}\" y=\"{height - bottom}\" text-anchor=\"end\" font-size=\"12\">{Number(min)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left}\" y=\"{height - 8}\" font-size=\"12\">0</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{width - right}\" y=\"{height - 8}\" text-anchor=\"end\" font-size=\"12\">{values.Length - 1}</text>");
        svg.Append("</svg>");
        return svg.ToString();
    }

    /// <summary>A 2D array as a grey-scale PNG (min black, max white), block-averaged down to at most <see cref="MaxImageSide"/> a side.</summary>
    public static byte[] ImagePng(PlotData data, out double min, out double max)
    {
        var step = Math.Max(1, (int)Math.Ceiling(Math.Max(data.Rows, data.Columns) / (double)MaxImageSide));
        var h = (data.Rows + step - 1) / step;
        var w = (data.Columns + step - 1) / step;
        var cells = new double[h * w];
        for (var r = 0; r < h; r++)
        {
            for (var c = 0; c < w; c++)
            {
                double sum = 0;
                var n = 0;
                for (var rr = r * step; rr < Math.Min(data.Rows, (r + 1) * step); rr++)
                {
                    for (var cc = c * step; cc < Math.Min(data.Columns, (c + 1) * step); cc++)
                    {
                        var v = data.Values[(rr * data.Columns) + cc];
                        if (double.IsFinite(v))
                        {
                            sum += v;
                            n++;
                        }
                    }
                }

                cells[(r * w) + c] = n == 0 ? double.NaN : sum / n;
            }
        }

        (min, max) = Range(cells);
        var pixels = new byte[h * w];
        for (var i = 0; i < cells.Length; i++)
        {
            pixels[i] = double.IsNaN(cells[i]) || max == min ? (byte)0 : (byte)Math.Round(255 * (cells[i] - min) / (max - min));
        }

        return Png.Grey(pixels, w, h);
    }

    private static (double Min, double Max) Range(ReadOnlySpan<double> values)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (var v in values)
        {
            if (double.IsFinite(v))
            {
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }
        }

        return double.IsInfinity(min) ? (double.NaN, double.NaN) : (min, max);
    }

    public static string Number(double v) => double.IsNaN(v) ? "—" : v.ToString("G4", CultureInfo.InvariantCulture);
}

/// <summary>The smallest PNG writer that serves: 8-bit grey, one IDAT, zlib from the BCL.</summary>
internal static class Png
{
    private static readonly uint[] CrcTable = MakeCrcTable();

    public static byte[] Grey(ReadOnlySpan<byte> pixels, int width, int height)
    {
        using var output = new MemoryStream();
        output.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8; // bit depth
        header[9] = 0; // grey
        header[10] = header[11] = header[12] = 0;
        Chunk(output, "IHDR", header);

        using var raw = new MemoryStream();
        using (var zlib = new ZLibStream(raw, CompressionLevel.Fastest, leaveOpen: true))
        {
            for (var y = 0; y < height; y++)
            {
                zlib.WriteByte(0); // filter: none
                zlib.Write(pixels.Slice(y * width, width));
            }
        }

        Chunk(output, "IDAT", raw.GetBuffer().AsSpan(0, (int)raw.Length));
        Chunk(output, "IEND", []);
        return output.ToArray();
    }

    private static void Chunk(Stream output, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);
        Span<byte> typeBytes = stackalloc byte[4];
        Encoding.ASCII.GetBytes(type, typeBytes);
        output.Write(typeBytes);
        output.Write(data);
        var crc = Update(Update(0xFFFFFFFFu, typeBytes), data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        output.Write(word);
    }

    private static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc;
    }

    private static uint[] MakeCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
