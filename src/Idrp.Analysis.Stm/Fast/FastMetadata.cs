using System.Globalization;

namespace Idrp.Analysis.Stm.Fast;

/// <summary>
/// The attributes of a FAST file (on <c>/data</c> for movies and atom tracking, on the root group for the
/// image modes), with typed accessors for the keys the readers need. Immutable; thread safe.
/// </summary>
public sealed class FastMetadata
{
    internal FastMetadata(IReadOnlyDictionary<string, object> attributes, IReadOnlyList<string> notes)
    {
        Attributes = attributes;
        Notes = notes;
    }

    /// <summary>Every attribute: <see cref="long"/>, <see cref="double"/>, <see cref="string"/> or <see cref="bool"/>.</summary>
    public IReadOnlyDictionary<string, object> Attributes { get; }

    /// <summary>Quirks met while reading (renamed keys, undecodable bytes), for the processing log.</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary><c>ExperimentInfo.Mode</c>, e.g. <c>FAST</c> or <c>ATOM</c>; empty when absent.</summary>
    public string Mode => GetString("ExperimentInfo.Mode") ?? string.Empty;

    /// <summary>Samples per line, <c>Scanner.X_Points</c>.</summary>
    public int XPoints => (int)GetRequiredInteger("Scanner.X_Points");

    /// <summary>Lines per sweep direction and fast direction, <c>Scanner.Y_Points</c>.</summary>
    public int YPoints => (int)GetRequiredInteger("Scanner.Y_Points");

    /// <summary>Slow-scan frequency in Hz (<c>Scanner.Y_Frequency</c>): images per second.</summary>
    public double YFrequencyHz => GetRequiredDouble("Scanner.Y_Frequency");

    /// <summary>Fast-scan frequency in Hz (<c>Scanner.X_Frequency</c>).</summary>
    public double XFrequencyHz => GetRequiredDouble("Scanner.X_Frequency");

    /// <summary>ADC sampling rate in Hz (<c>Acquisition.ADC_SamplingRate</c>).</summary>
    public double SamplingRateHz => GetRequiredDouble("Acquisition.ADC_SamplingRate");

    /// <summary>Phase shift in samples stored by the acquisition (<c>Acquisition.X_Phase</c>, 0 when absent).</summary>
    public int XPhase => (int)(GetInteger("Acquisition.X_Phase") ?? 0);

    /// <summary>Phase shift in lines pairs (<c>Acquisition.Y_Phase</c>, 0 when absent).</summary>
    public int YPhase => (int)(GetInteger("Acquisition.Y_Phase") ?? 0);

    /// <summary>Images announced by the acquisition (<c>Acquisition.NumImages</c>); the stream length decides the true count.</summary>
    public int? AnnouncedImages => GetInteger("Acquisition.NumImages") is { } n ? (int)n : null;

    /// <summary>Scan width in nm: <c>Scanner.X_Amplitude</c> (Vpp) x <c>Scanner.X_Calibration</c> (nm/V); null without calibration.</summary>
    public double? WidthNm => Product("Scanner.X_Amplitude", "Scanner.X_Calibration");

    /// <summary>Scan height in nm: <c>Scanner.Y_Amplitude</c> (Vpp) x <c>Scanner.Y_Calibration</c> (nm/V); null without calibration.</summary>
    public double? HeightNm => Product("Scanner.Y_Amplitude", "Scanner.Y_Calibration");

    /// <summary>
    /// Conversion of the recorded signal (ADC counts) to physical units, from <c>SignalIn.InputRange</c> (V; the
    /// 16-bit signed ADC spans +-InputRange), <c>SignalIn.Offset</c> (V), <c>SignalIn.ConversionFactor</c> and the
    /// numerator of <c>SignalIn.Unit</c> (e.g. nA of nA/V), negated when <c>Data.Invert</c> is set. Null when the
    /// input range is not recorded, or when <c>SignalIn.LogAmp</c> is set (a logarithmic amplifier, whose
    /// calibration the file does not hold): values then stay in counts.
    /// </summary>
    public SignalCalibration? Signal
    {
        get
        {
            if (GetDouble("SignalIn.InputRange") is not { } range || GetBoolean("SignalIn.LogAmp") == true)
            {
                return null;
            }

            var factor = GetDouble("SignalIn.ConversionFactor") ?? 1.0;
            var unit = GetString("SignalIn.Unit") is { Length: > 0 } u ? u.Split('/')[0] : "V";
            var sign = GetBoolean("Data.Invert") == true ? -1.0 : 1.0;
            var voltsPerCount = range / 32768.0;
            var offset = GetDouble("SignalIn.Offset") ?? 0.0;
            return new SignalCalibration(sign * voltsPerCount * factor, (-sign * offset * factor) + 0.0, unit);
        }
    }

    /// <summary><c>ExperimentInfo.FileFormatVersion</c>, empty when absent.</summary>
    public string FileFormatVersion => GetString("ExperimentInfo.FileFormatVersion") ?? string.Empty;

    /// <summary>A string attribute, or null.</summary>
    public string? GetString(string key) => Attributes.TryGetValue(key, out var v) ? Convert.ToString(v, CultureInfo.InvariantCulture) : null;

    /// <summary>A numeric attribute as double, or null. Strings are parsed with the invariant culture.</summary>
    public double? GetDouble(string key) => Attributes.TryGetValue(key, out var v)
        ? v switch
        {
            double d => d,
            float f => f,
            long l => l,
            bool b => b ? 1 : 0,
            string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var p) => p,
            _ => null,
        }
        : null;

    /// <summary>An integer attribute, or null. Whole floats and numeric strings are accepted.</summary>
    public long? GetInteger(string key) => Attributes.TryGetValue(key, out var v)
        ? v switch
        {
            long l => l,
            bool b => b ? 1 : 0,
            double d when d == Math.Floor(d) && double.IsFinite(d) => (long)d,
            string s when long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) => p,
            _ => null,
        }
        : null;

    /// <summary>A boolean attribute (enum, integer or "true"/"false"), or null.</summary>
    public bool? GetBoolean(string key) => Attributes.TryGetValue(key, out var v)
        ? v switch
        {
            bool b => b,
            long l => l != 0,
            string s when bool.TryParse(s, out var p) => p,
            _ => null,
        }
        : null;

    private long GetRequiredInteger(string key) =>
        GetInteger(key) ?? throw new FastFormatException($"FAST attribute '{key}' is missing or not an integer.");

    private double GetRequiredDouble(string key) =>
        GetDouble(key) ?? throw new FastFormatException($"FAST attribute '{key}' is missing or not a number.");

    private double? Product(string a, string b) => GetDouble(a) is { } x && GetDouble(b) is { } y ? x * y : null;
}

/// <summary>Physical value = counts x <paramref name="Scale"/> + <paramref name="Offset"/>, in <paramref name="Unit"/>.</summary>
public sealed record SignalCalibration(double Scale, double Offset, string Unit)
{
    /// <summary>Converts counts to the physical unit.</summary>
    public double Apply(double counts) => counts * Scale + Offset;

    /// <summary>Converts counts to the physical unit in place.</summary>
    public void Apply(Span<float> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)(values[i] * Scale + Offset);
        }
    }
}

/// <summary>A FAST file that does not have the layout the reader expects; the message names the problem.</summary>
public sealed class FastFormatException(string message) : Exception(message);
