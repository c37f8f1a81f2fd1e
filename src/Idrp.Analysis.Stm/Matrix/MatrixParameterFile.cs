using System.Globalization;

namespace Idrp.Analysis.Stm.Matrix;

/// <summary>A parameter value with its unit, as stored in the MATRIX parameter file.</summary>
public sealed record MatrixParameter(object Value, string Unit)
{
    /// <summary>The value as a double (LONG and BOOL converted); throws for strings.</summary>
    public double AsDouble() => Value switch
    {
        double d => d,
        long l => l,
        bool b => b ? 1 : 0,
        _ => throw new InvalidCastException($"MATRIX parameter value '{Value}' is not numeric."),
    };

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Value} {Unit}").Trim();
}

/// <summary>Conversion of raw integer counts to physical values, as declared in the parameter file.</summary>
public sealed record MatrixTransferFunction(string Kind, string Unit, IReadOnlyDictionary<string, object> Parameters)
{
    /// <summary>Physical value of a raw count.</summary>
    public double Apply(double raw) => Kind switch
    {
        "TFF_Identity" => raw,
        "TFF_Linear1D" => (raw - Get("Offset")) / Get("Factor"),
        "TFF_MultiLinear1D" => (Get("Raw_1") - Get("PreOffset")) * (raw - Get("Offset")) / Get("NeutralFactor") / Get("PreFactor"),
        _ => throw new MatrixFormatException($"Unknown MATRIX transfer function '{Kind}'."),
    };

    private double Get(string name) => Parameters.TryGetValue(name, out var v)
        ? Convert.ToDouble(v, CultureInfo.InvariantCulture)
        : throw new MatrixFormatException($"Transfer function {Kind} lacks parameter '{name}'.");
}

/// <summary>An independent axis (scan or sweep), from the parameter file's axis dictionary.</summary>
public sealed record MatrixAxis(ulong Key, string Name, bool Mirrored, ulong NextKey)
{
    /// <summary>Points along the axis, both directions included when <see cref="Mirrored"/>.</summary>
    public int Length { get; internal set; }
}

/// <summary>A channel (data file type) and the axes it depends on.</summary>
public sealed record MatrixChannel(ulong Key, string Description, string Name, string Unit, ulong IndependentAxisKey, MatrixTransferFunction? TransferFunction);

/// <summary>
/// The MATRIX parameter file (<c>*_0001.mtrx</c>): axis and channel dictionaries, transfer functions, and the
/// instrument settings in force when each data file was saved (initial settings plus changes up to its
/// save event). Immutable after <see cref="Read"/>; thread safe.
/// </summary>
public sealed class MatrixParameterFile
{
    private readonly Dictionary<ulong, MatrixAxis> _axes = [];
    private readonly Dictionary<ulong, MatrixChannel> _channels = [];
    private readonly Dictionary<string, IReadOnlyDictionary<string, MatrixParameter>> _settingsByFile = new(StringComparer.Ordinal);
    private readonly Dictionary<ulong, (ulong Independent, string Name, string Unit)> _dependentAxes = [];
    private readonly List<(ulong Key, ulong Dependent, string Description)> _channelAxes = [];
    private readonly Dictionary<ulong, MatrixTransferFunction> _transfer = [];
    private Dictionary<string, MatrixParameter> _initialSettings = new(StringComparer.Ordinal);

    private MatrixParameterFile()
    {
    }

    /// <summary>Axes by key.</summary>
    public IReadOnlyDictionary<ulong, MatrixAxis> Axes => _axes;

    /// <summary>Channels by key.</summary>
    public IReadOnlyDictionary<ulong, MatrixChannel> Channels => _channels;

    /// <summary>Settings at experiment start, keyed <c>Group_Name</c> (e.g. <c>XYScanner_Width</c>).</summary>
    public IReadOnlyDictionary<string, MatrixParameter> InitialSettings => _initialSettings;

    /// <summary>Data files whose save event the parameter file records.</summary>
    public IEnumerable<string> DataFiles => _settingsByFile.Keys;

    /// <summary>Settings in force when <paramref name="dataFileName"/> was saved; the initial settings if it is not recorded.</summary>
    public IReadOnlyDictionary<string, MatrixParameter> SettingsFor(string dataFileName) =>
        _settingsByFile.TryGetValue(Path.GetFileName(dataFileName), out var s) ? s : _initialSettings;

    /// <summary>Reads a parameter file.</summary>
    /// <exception cref="MatrixFormatException">The file is not a MATRIX parameter file or is truncated.</exception>
    public static MatrixParameterFile Read(string path) => Read(File.ReadAllBytes(path), path);

    /// <summary>Reads a parameter file from its bytes; <paramref name="path"/> names it in messages.</summary>
    /// <exception cref="MatrixFormatException">The bytes are not a MATRIX parameter file or are truncated.</exception>
    public static MatrixParameterFile Read(byte[] bytes, string path)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var result = new MatrixParameterFile();
        MatrixFile.CheckMagic(bytes, path);

        // Two passes, like the instrument software: the axis dictionaries (CCSY) first, then the timeline.
        result.Walk(bytes, dictionaries: true);
        result.ResolveChannels();
        result.Walk(bytes, dictionaries: false);
        return result;
    }

    private void Walk(byte[] bytes, bool dictionaries)
    {
        var current = new Dictionary<string, MatrixParameter>(StringComparer.Ordinal);
        var position = 12;
        while (position + 16 <= bytes.Length)
        {
            var header = new MatrixBinary(bytes.AsSpan(position, 16));
            var tag = header.Tag();
            var length = checked((int)header.UInt32());
            position += 16;
            if (position + length > bytes.Length)
            {
                throw new MatrixFormatException($"Block {tag} at byte {position - 16} runs past the end of the file.");
            }

            var block = new MatrixBinary(bytes.AsSpan(position, length));
            position += length;
            if (dictionaries)
            {
                if (tag == "CCSY")
                {
                    ReadDictionaries(ref block);
                }

                continue;
            }

            switch (tag)
            {
                case "EEPA":
                    block.Skip(4);
                    for (var groups = block.UInt32(); groups > 0; groups--)
                    {
                        var group = block.String();
                        for (var n = block.UInt32(); n > 0; n--)
                        {
                            var (name, value) = ReadParameter(ref block);
                            current[group + "_" + name] = value;
                        }
                    }

                    _initialSettings = new Dictionary<string, MatrixParameter>(current, StringComparer.Ordinal);
                    break;
                case "PMOD":
                    {
                        block.Skip(4);
                        var group = block.String();
                        var (name, value) = ReadParameter(ref block);
                        current[group + "_" + name] = value;
                        break;
                    }

                case "BREF":
                    block.Skip(4);
                    _settingsByFile[block.String()] = new Dictionary<string, MatrixParameter>(current, StringComparer.Ordinal);
                    break;
            }
        }
    }

    private static (string Name, MatrixParameter Value) ReadParameter(ref MatrixBinary block)
    {
        var name = block.String();
        var unit = NormalizeUnit(block.String());
        block.Skip(4);
        return (name, new MatrixParameter(block.Value(), unit));
    }

    // MATRIX 3.1 spells units out ("Meter", "Volt"); 3.2 uses symbols. Symbols are returned in both cases.
    internal static string NormalizeUnit(string unit) => unit switch
    {
        "Meter" => "m",
        "Volt" => "V",
        "Ampere" => "A",
        "Second" => "s",
        "Hertz" => "Hz",
        _ => unit,
    };

    private void ReadDictionaries(ref MatrixBinary block)
    {
        block.Skip(4);
        while (block.Remaining >= 8)
        {
            var tag = block.Tag();
            var length = checked((int)block.UInt32());
            var sub = new MatrixBinary(block.Take(length));
            switch (tag)
            {
                case "DICT":
                    sub.Skip(8);
                    for (var n = sub.UInt32(); n > 0; n--)
                    {
                        var key = sub.UInt64();
                        var next = sub.UInt64();
                        var name = sub.String();
                        var mirrored = sub.String() == "triangular";
                        _axes[key] = new MatrixAxis(key, name, mirrored, next);
                    }

                    for (var n = sub.UInt32(); n > 0; n--)
                    {
                        var key = sub.UInt64();
                        var independent = sub.UInt64();
                        _dependentAxes[key] = (independent, sub.String(), NormalizeUnit(sub.String()));
                    }

                    for (var n = sub.UInt32(); n > 0; n--)
                    {
                        var key = sub.UInt64();
                        var dependent = sub.UInt64();
                        _channelAxes.Add((key, dependent, sub.String()));
                    }

                    break;
                case "CHCS":
                    for (var n = sub.UInt32(); n > 0; n--)
                    {
                        var key = sub.UInt64();
                        var points = sub.UInt32();
                        sub.Skip(8);
                        if (_axes.TryGetValue(key, out var axis))
                        {
                            axis.Length = checked((int)points);
                        }
                    }

                    break;
                case "XFER":
                    while (sub.Remaining > 0)
                    {
                        var key = sub.UInt64();
                        var kind = sub.String();
                        var unit = sub.String();
                        var parameters = new Dictionary<string, object>(StringComparer.Ordinal);
                        for (var n = sub.UInt32(); n > 0; n--)
                        {
                            var name = sub.String();
                            parameters[name] = sub.Value();
                        }

                        _transfer[key] = new MatrixTransferFunction(kind, NormalizeUnit(unit), parameters);
                    }

                    break;
            }
        }

    }

    private void ResolveChannels()
    {
        foreach (var (key, dependent, description) in _channelAxes)
        {
            if (_dependentAxes.TryGetValue(dependent, out var d))
            {
                _channels[key] = new MatrixChannel(key, description, d.Name, d.Unit, d.Independent, _transfer.GetValueOrDefault(dependent));
            }
        }
    }
}
