using System.Globalization;
using System.Text;
using System.Text.Json;
using Idrp.Domain.Model;
using Idrp.Server.Features.Measurements;

namespace Idrp.Server.Ui.Shared;

/// <summary>
/// Instrument settings as people type them in a form: one per line, "key = value unit", e.g.
/// "EHT = 5 kV" or "Detector = InLens". Numbers stay numbers (with their unit) so that search can filter them.
/// </summary>
internal static class SettingsText
{
    public static string Write(IEnumerable<InstrumentSetting> settings)
    {
        var text = new StringBuilder();
        foreach (var s in settings)
        {
            text.Append(s.Key).Append(" = ").Append(s.Value);
            if (!string.IsNullOrEmpty(s.Unit))
            {
                text.Append(' ').Append(s.Unit);
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    /// <summary>The settings in <paramref name="text"/>, or the first line that is not "key = value".</summary>
    public static (List<SettingDto> Settings, string? Problem) Parse(string? text)
    {
        var result = new List<SettingDto>();
        var lines = (text ?? "").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                return (result, $"Line {i + 1} is not \"key = value unit\", e.g. \"EHT = 5 kV\".");
            }

            var key = line[..eq].Trim();
            var rest = line[(eq + 1)..].Trim();
            result.Add(ParseValue(key, rest));
        }

        return (result, null);
    }

    private static SettingDto ParseValue(string key, string rest)
    {
        var space = rest.IndexOf(' ', StringComparison.Ordinal);
        var number = space > 0 ? rest[..space] : rest;
        var unit = space > 0 ? rest[(space + 1)..].Trim() : null;
        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            && (unit is null || (unit.Length <= 32 && !unit.Contains(' ', StringComparison.Ordinal))))
        {
            return new SettingDto(key, JsonSerializer.SerializeToElement(value), unit);
        }

        if (rest is "true" or "false")
        {
            return new SettingDto(key, JsonSerializer.SerializeToElement(rest == "true"));
        }

        return new SettingDto(key, JsonSerializer.SerializeToElement(rest));
    }

    public static List<string> Keywords(string? text) =>
        (text ?? "").Split([',', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
}
