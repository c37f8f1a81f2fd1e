using System.Globalization;
using System.Text.RegularExpressions;

namespace Idrp.Domain.Search;

public enum Comparison
{
    Less,
    LessOrEqual,
    Equal,
    NotEqual,
    GreaterOrEqual,
    Greater,
}

/// <summary>
/// A numeric filter on an instrument setting, written as people write it: <c>EHT&gt;5kV</c>, <c>WD &lt;= 4.5 mm</c>,
/// <c>Magnification=50kx</c>. With a unit the comparison is made in the base unit (5 kV = 5000 V); without a unit
/// it is made with the setting's number as stored, whatever its unit.
/// </summary>
public sealed partial record SettingFilter(string Key, Comparison Op, double Value, string? BaseUnit)
{
    /// <summary>Two numbers within this relative distance are equal (a value that went through a unit conversion is not exact).</summary>
    public const double Tolerance = 1e-9;

    [GeneratedRegex(@"^\s*(?<key>[^<>=!]*?)\s*(?<op><=|>=|!=|<>|=|<|>)\s*(?<num>[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?)\s*(?<unit>\S.*?)?\s*$", RegexOptions.CultureInvariant, 200)]
    private static partial Regex Syntax();

    /// <summary>Parses one filter; on failure says what is wrong in words a user understands.</summary>
    public static bool TryParse(string text, out SettingFilter? filter, out string error)
    {
        filter = null;
        error = "";
        Match match;
        try
        {
            match = Syntax().Match(text ?? "");
        }
        catch (RegexMatchTimeoutException)
        {
            match = Match.Empty;
        }

        if (!match.Success)
        {
            error = $"'{Shorten(text)}' is not a setting filter; write it as KEY OP NUMBER [UNIT] with OP one of < <= = != >= >, e.g. EHT>5kV.";
            return false;
        }

        var key = match.Groups["key"].Value.Trim();
        if (key.Length == 0 || key.Length > 200)
        {
            error = $"'{Shorten(text)}' names no setting; write it as KEY OP NUMBER [UNIT], e.g. EHT>5kV.";
            return false;
        }

        var number = double.Parse(match.Groups["num"].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (!double.IsFinite(number))
        {
            error = $"'{Shorten(text)}' has a number out of range.";
            return false;
        }

        var op = match.Groups["op"].Value switch
        {
            "<" => Comparison.Less,
            "<=" => Comparison.LessOrEqual,
            "=" => Comparison.Equal,
            "!=" or "<>" => Comparison.NotEqual,
            ">=" => Comparison.GreaterOrEqual,
            _ => Comparison.Greater,
        };
        var unit = match.Groups["unit"].Success ? match.Groups["unit"].Value.Trim() : "";
        if (unit.Length > 32)
        {
            error = $"'{Shorten(text)}' has a unit longer than 32 characters.";
            return false;
        }

        if (unit.Length == 0)
        {
            filter = new SettingFilter(NormalizeKey(key), op, number, null);
            return true;
        }

        var (value, baseUnit) = Units.ToBase(number, unit);
        filter = new SettingFilter(NormalizeKey(key), op, value, baseUnit);
        return true;
    }

    /// <summary>Setting keys match without regard to case or surrounding spaces ("EHT", "eht ").</summary>
    public static string NormalizeKey(string key) => key.Trim().ToLowerInvariant();

    private static string Shorten(string? text) => text is null ? "" : text.Length > 60 ? text[..60] + "…" : text;
}
