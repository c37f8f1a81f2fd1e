using System.Buffers;
using System.Numerics;
using PureHDF;
using PureHDF.Selections;

namespace Idrp.Analysis.Stm.Fast;

/// <summary>Reads ranges of a 1-D HDF5 stream as <see cref="float"/>, whatever its stored numeric type.</summary>
internal static class FastStream
{
    /// <summary>Reads <c>destination.Length</c> values starting at element <paramref name="start"/> (flat index).</summary>
    public static void ReadConverted(IH5Dataset dataset, long start, Span<float> destination)
    {
        if (destination.IsEmpty)
        {
            return;
        }

        var type = dataset.Type;
        var count = destination.Length;
        var selection = dataset.Space.Rank == 1 ? new HyperslabSelection((ulong)start, (ulong)count) : null;
        switch (type.Class, type.Size)
        {
            case (H5DataTypeClass.FixedPoint, 2) when type.FixedPoint.IsSigned:
                ReadAndConvert<short>(dataset, selection, destination);
                break;
            case (H5DataTypeClass.FixedPoint, 2):
                ReadAndConvert<ushort>(dataset, selection, destination);
                break;
            case (H5DataTypeClass.FixedPoint, 4) when type.FixedPoint.IsSigned:
                ReadAndConvert<int>(dataset, selection, destination);
                break;
            case (H5DataTypeClass.FixedPoint, 1):
                ReadAndConvert<sbyte>(dataset, selection, destination);
                break;
            case (H5DataTypeClass.FloatingPoint, 4):
                ReadAndConvert<float>(dataset, selection, destination);
                break;
            case (H5DataTypeClass.FloatingPoint, 8):
                ReadAndConvert<double>(dataset, selection, destination);
                break;
            default:
                throw new FastFormatException($"FAST data of HDF5 class {type.Class}, size {type.Size} is not supported.");
        }
    }

    private static void ReadAndConvert<T>(IH5Dataset dataset, HyperslabSelection? selection, Span<float> destination)
        where T : unmanaged, INumberBase<T>
    {
        var count = destination.Length;
        var rented = ArrayPool<T>.Shared.Rent(count);
        try
        {
            var buffer = rented.AsMemory(0, count);
            dataset.Read(buffer, selection);
            var source = buffer.Span;
            for (var i = 0; i < count; i++)
            {
                destination[i] = float.CreateTruncating(source[i]);
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(rented);
        }
    }
}
