using PureHDF;
using PureHDF.Filters;
using PureHDF.VOL.Native;

namespace Idrp.Analysis.Stm.Logbook;

/// <summary>
/// Writes a copy of a FAST HDF5 file with extra attributes. PureHDF cannot edit a file in place, so the copy is
/// rebuilt: every root-level dataset (values and element type unchanged, deflate-compressed) and every
/// attribute (same value and numeric width) is carried over, then the new attributes are added to the object
/// that holds the file's metadata (<c>/data</c> if present, else the root). The source file is never opened
/// for writing. Not for huge files: each dataset is read into memory once.
/// </summary>
public static class Hdf5AttributeCopier
{
    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/> adding <paramref name="attributes"/>.</summary>
    /// <exception cref="InvalidOperationException">An added attribute already exists in the source (it would be overwritten).</exception>
    public static void CopyWithAttributes(string source, string destination, IReadOnlyDictionary<string, object> attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        if (Path.GetFullPath(source) == Path.GetFullPath(destination))
        {
            throw new ArgumentException("The copy must be a different file from the source.", nameof(destination));
        }

        using var input = H5File.OpenRead(source);
        var output = new H5File();
        CopyAttributes(input, output.Attributes);
        var target = output.Attributes;
        foreach (var child in input.Children())
        {
            if (child is not IH5Dataset dataset)
            {
                throw new NotSupportedException($"'{child.Name}' is not a dataset; only flat FAST files are supported.");
            }

            var copy = new H5Dataset(ReadData(dataset), chunks: ChunksFor(dataset), datasetCreation: new H5DatasetCreation { Filters = [DeflateFilter.Id] });
            CopyAttributes(dataset, copy.Attributes);
            output[child.Name] = copy;
            if (child.Name == "data")
            {
                target = copy.Attributes;
            }
        }

        foreach (var (name, value) in attributes)
        {
            if (!target.TryAdd(name, value))
            {
                throw new InvalidOperationException($"Attribute '{name}' already exists in '{source}'; refusing to overwrite it.");
            }
        }

        output.Write(destination);
    }

    private static uint[]? ChunksFor(IH5Dataset dataset)
    {
        var dims = dataset.Space.Dimensions;
        return dims.Length == 1 && dims[0] > 65536 ? [65536] : null;
    }

    private static object ReadData(IH5Dataset dataset)
    {
        var type = dataset.Type;
        var dims = dataset.Space.Dimensions;
        return (type.Class, type.Size, dims.Length) switch
        {
            (H5DataTypeClass.FixedPoint, 2, 1) when type.FixedPoint.IsSigned => dataset.Read<short[]>(),
            (H5DataTypeClass.FixedPoint, 4, 1) when type.FixedPoint.IsSigned => dataset.Read<int[]>(),
            (H5DataTypeClass.FloatingPoint, 4, 1) => dataset.Read<float[]>(),
            (H5DataTypeClass.FloatingPoint, 8, 1) => dataset.Read<double[]>(),
            (H5DataTypeClass.FloatingPoint, 8, 2) => dataset.Read<double[,]>(),
            (H5DataTypeClass.FloatingPoint, 4, 2) => dataset.Read<float[,]>(),
            _ => throw new NotSupportedException($"Dataset '{dataset.Name}' ({type.Class}, {type.Size} bytes, rank {dims.Length}) cannot be copied."),
        };
    }

    private static void CopyAttributes(IH5Object source, IDictionary<string, object> target)
    {
        foreach (var attribute in source.Attributes())
        {
            var type = attribute.Type;
            object value = type.Class switch
            {
                H5DataTypeClass.String or H5DataTypeClass.VariableLength => attribute.Read<string>() ?? string.Empty,
                H5DataTypeClass.FloatingPoint when type.Size == 4 => attribute.Read<float>(),
                H5DataTypeClass.FloatingPoint => attribute.Read<double>(),
                // HDF5 enums (h5py booleans) are written back as their uint8 base type
                H5DataTypeClass.Enumerated => attribute.Read<byte>(),
                H5DataTypeClass.FixedPoint => (type.Size, type.FixedPoint.IsSigned) switch
                {
                    (1, true) => attribute.Read<sbyte>(),
                    (1, false) => attribute.Read<byte>(),
                    (2, true) => attribute.Read<short>(),
                    (2, false) => attribute.Read<ushort>(),
                    (4, true) => attribute.Read<int>(),
                    (4, false) => attribute.Read<uint>(),
                    (8, true) => attribute.Read<long>(),
                    _ => attribute.Read<ulong>(),
                },
                _ => throw new NotSupportedException($"Attribute '{attribute.Name}' of class {type.Class} cannot be copied."),
            };
            target[attribute.Name] = value;
        }
    }
}
