using System.Globalization;
using PureHDF;

namespace Idrp.Analysis.Stm.Fast;

/// <summary>Reads the HDF5 attributes of a FAST file into plain .NET values, tolerating the quirks of real files.</summary>
internal static class FastAttributes
{
    // Keys misspelled by some versions of the FAST acquisition software, mapped to the spelling pyfastspm uses.
    private static readonly (string Wrong, string Right)[] s_misspelledKeys =
    [
        ("Acquisiton.X_Phase", "Acquisition.X_Phase"),
        ("Acquisiton.Y_Phase", "Acquisition.Y_Phase"),
        ("Acquisition.LogAmp.", "Acquisition.LogAmp"),
    ];

    /// <summary>
    /// Reads every scalar attribute of <paramref name="owner"/>. Integers become <see cref="long"/>, floats
    /// <see cref="double"/>, strings <see cref="string"/> and HDF5 enums (h5py booleans) <see cref="bool"/>.
    /// Misspelled keys are renamed; attributes that cannot be decoded are reported in <paramref name="notes"/>.
    /// </summary>
    public static Dictionary<string, object> Read(IH5Object owner, List<string> notes)
    {
        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var attribute in owner.Attributes())
        {
            var value = ReadValue(attribute, notes);
            if (value is not null)
            {
                values[attribute.Name] = value;
            }
        }

        foreach (var (wrong, right) in s_misspelledKeys)
        {
            if (values.Remove(wrong, out var value))
            {
                values.TryAdd(right, value);
                notes.Add($"renamed misspelled attribute '{wrong}' to '{right}'");
            }
        }

        return values;
    }

    private static object? ReadValue(IH5Attribute attribute, List<string> notes)
    {
        var type = attribute.Type;
        try
        {
            switch (type.Class)
            {
                case H5DataTypeClass.String:
                case H5DataTypeClass.VariableLength:
                    return FixLatin1(attribute.Name, attribute.Read<string>() ?? string.Empty, notes);
                case H5DataTypeClass.FloatingPoint:
                    return type.Size == 4 ? attribute.Read<float>() : attribute.Read<double>();
                case H5DataTypeClass.Enumerated:
                    // h5py stores numpy booleans as an enum over int8 {FALSE = 0, TRUE = 1}.
                    return ReadInteger(attribute, type.Size, signed: false) != 0;
                case H5DataTypeClass.FixedPoint:
                    return ReadInteger(attribute, type.Size, type.FixedPoint.IsSigned);
                default:
                    notes.Add($"attribute '{attribute.Name}' of class {type.Class} skipped");
                    return null;
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            notes.Add($"attribute '{attribute.Name}' could not be decoded: {e.Message}");
            return null;
        }
    }

    private static long ReadInteger(IH5Attribute attribute, int size, bool signed) => (size, signed) switch
    {
        (1, true) => attribute.Read<sbyte>(),
        (1, false) => attribute.Read<byte>(),
        (2, true) => attribute.Read<short>(),
        (2, false) => attribute.Read<ushort>(),
        (4, true) => attribute.Read<int>(),
        (4, false) => attribute.Read<uint>(),
        (8, true) => attribute.Read<long>(),
        _ => checked((long)attribute.Read<ulong>()),
    };

    // Windows builds of the acquisition software write Latin-1 bytes (the degree sign 0xB0 in "°C") into
    // strings declared UTF-8; the HDF5 reader decodes them to U+FFFD. The only such byte seen in FAST
    // files is the degree sign in units, so a replacement character directly before C, F or K is restored.
    private static string FixLatin1(string name, string value, List<string> notes)
    {
        if (!value.Contains('\uFFFD', StringComparison.Ordinal))
        {
            return value;
        }

        var fixedValue = value
            .Replace("\uFFFDC", "\u00B0C", StringComparison.Ordinal)
            .Replace("\uFFFDF", "\u00B0F", StringComparison.Ordinal)
            .Replace("\uFFFDK", "\u00B0K", StringComparison.Ordinal);
        notes.Add(string.Create(CultureInfo.InvariantCulture, $"attribute '{name}' holds non-UTF-8 bytes; read as '{fixedValue}'"));
        return fixedValue;
    }
}
