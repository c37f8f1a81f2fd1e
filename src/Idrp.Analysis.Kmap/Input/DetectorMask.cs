using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Idrp.Analysis.Kmap.Hdf5;
using PureHDF;

namespace Idrp.Analysis.Kmap.Input;

/// <summary>
/// Reads a detector mask (pixels to ignore) for <see cref="QSpace.QSpaceOptions.Mask"/>: a frame-shaped 2-D array in
/// an HDF5 file (<c>FILE.h5[:DATASET]</c>, default dataset <c>mask</c>) or a NumPy <c>.npy</c> file (as silx' mask tool
/// saves), any integer, boolean or float type; a non-zero value masks the pixel. Static and thread-safe.
/// </summary>
public static class DetectorMask
{
    /// <summary>The mask, row-major, true = ignore the pixel.</summary>
    /// <param name="spec">Path of an .npy file, or of an HDF5 file optionally followed by ':' and the dataset path.</param>
    /// <param name="shape">The detector frame shape (rows, columns) the mask must have.</param>
    /// <exception cref="KmapException">Missing or unreadable file, unsupported type, or a shape other than <paramref name="shape"/>.</exception>
    public static bool[] Load(string spec, (int Rows, int Columns) shape)
    {
        ArgumentException.ThrowIfNullOrEmpty(spec);
        var (path, dataset) = Split(spec);
        if (!File.Exists(path))
        {
            throw new KmapException("Mask file not found.", path);
        }

        var (mask, rows, cols) = path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase)
            ? ReadNpy(path)
            : ReadHdf5(path, dataset ?? "mask");
        if (rows != shape.Rows || cols != shape.Columns)
        {
            throw new KmapException($"The mask is {rows} x {cols} pixels, the frames {shape.Rows} x {shape.Columns}.", path, dataset);
        }

        return mask;
    }

    private static (string Path, string? Dataset) Split(string spec)
    {
        // FILE.h5:/path or FILE.h5:path; a ':' that belongs to the file name (no file there without the suffix) stays.
        var colon = spec.LastIndexOf(':');
        if (colon > 0 && colon < spec.Length - 1 && !File.Exists(spec) && File.Exists(spec[..colon]))
        {
            return (spec[..colon], spec[(colon + 1)..].TrimStart('/'));
        }

        return (spec, null);
    }

    private static (bool[] Mask, int Rows, int Columns) ReadHdf5(string path, string datasetPath)
    {
        using var file = KmapDataset.OpenFile(path);
        var ds = H5Read.Dataset(file, datasetPath, path);
        var dims = ds.Space.Dimensions;
        if (dims.Length != 2)
        {
            throw new KmapException($"A mask is a 2-D array; this one has {dims.Length} dimensions.", path, "/" + datasetPath);
        }

        double[] values;
        try
        {
            values = ds.Type.Class switch
            {
                H5DataTypeClass.FixedPoint or H5DataTypeClass.FloatingPoint or H5DataTypeClass.Enumerated => ds.Read<double[]>(),
                _ => throw new KmapException($"Mask of type {ds.Type.Class} is not supported; integers, booleans and floats are.", path, "/" + datasetPath),
            };
        }
        catch (Exception ex) when (ex is not KmapException)
        {
            throw new KmapException($"Cannot read the mask: {ex.Message}", path, "/" + datasetPath, ex);
        }

        var mask = new bool[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            mask[i] = values[i] != 0;
        }

        return (mask, (int)dims[0], (int)dims[1]);
    }

    /// <summary>NumPy format 1.0-3.0: magic, version, little-endian header length, a Python dict literal, then the raw array.</summary>
    private static (bool[] Mask, int Rows, int Columns) ReadNpy(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
        {
            throw new KmapException("Not a NumPy .npy file.", path);
        }

        var (headerLength, headerStart) = bytes[6] == 1
            ? (BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)), 10)
            : ((int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)), 12);
        if (headerStart + headerLength > bytes.Length)
        {
            throw new KmapException("Truncated .npy header.", path);
        }

        var header = Encoding.Latin1.GetString(bytes, headerStart, headerLength);
        var descr = DictValue(header, "descr", path).Trim('\'', '"');
        if (DictValue(header, "fortran_order", path) != "False")
        {
            throw new KmapException("Fortran-ordered .npy masks are not supported; save it in C order.", path);
        }

        var shapeText = DictValue(header, "shape", path).Trim('(', ')');
        var dims = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => int.Parse(d, CultureInfo.InvariantCulture)).ToArray();
        if (dims.Length != 2)
        {
            throw new KmapException($"A mask is a 2-D array; this one has {dims.Length} dimensions.", path);
        }

        var count = dims[0] * dims[1];
        var size = descr.Length >= 3 ? int.Parse(descr[2..], CultureInfo.InvariantCulture) : 0;
        var kind = descr.Length >= 2 ? descr[1] : '?';
        var bigEndian = descr.StartsWith('>');
        if (kind is not ('b' or 'u' or 'i' or 'f') || size is not (1 or 2 or 4 or 8) || (kind == 'f' && size < 4))
        {
            throw new KmapException($"Mask element type '{descr}' is not supported; bool, integers and float32/64 are.", path);
        }

        var data = bytes.AsSpan(headerStart + headerLength);
        if (data.Length < (long)count * size)
        {
            throw new KmapException($"Truncated .npy data: {data.Length} bytes for {count} elements of {size}.", path);
        }

        var mask = new bool[count];
        for (var i = 0; i < count; i++)
        {
            var element = data.Slice(i * size, size);
            if (kind == 'f')
            {
                var v = size == 4
                    ? (bigEndian ? BinaryPrimitives.ReadSingleBigEndian(element) : BinaryPrimitives.ReadSingleLittleEndian(element))
                    : (bigEndian ? BinaryPrimitives.ReadDoubleBigEndian(element) : BinaryPrimitives.ReadDoubleLittleEndian(element));
                mask[i] = v != 0;
            }
            else
            {
                // Any non-zero byte makes a non-zero integer, whatever the byte order.
                mask[i] = element.IndexOfAnyExcept((byte)0) >= 0;
            }
        }

        return (mask, dims[0], dims[1]);
    }

    private static string DictValue(string header, string key, string path)
    {
        var at = header.IndexOf("'" + key + "'", StringComparison.Ordinal);
        if (at < 0)
        {
            throw new KmapException($"The .npy header has no '{key}'.", path);
        }

        var start = header.IndexOf(':', at) + 1;
        var end = key == "shape" ? header.IndexOf(')', start) + 1 : header.IndexOfAny([',', '}'], start);
        return header[start..end].Trim();
    }
}
