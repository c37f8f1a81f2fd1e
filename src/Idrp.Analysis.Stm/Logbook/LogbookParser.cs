using System.Globalization;

namespace Idrp.Analysis.Stm.Logbook;

/// <summary>
/// Parses the STM lab's plain-text logbook (format in docs/analysis/stm-logbook.md) into entries.
/// Thread safe (stateless). Numbers use the invariant culture (decimal point).
/// </summary>
public static class LogbookParser
{
    /// <summary>Parses every entry of <paramref name="text"/>.</summary>
    /// <exception cref="LogbookFormatException">A line is malformed; the exception carries its number.</exception>
    public static IReadOnlyList<LogbookEntry> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var entries = new List<LogbookEntry>();
        Builder? current = null;
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var number = i + 1;
            var line = lines[i].TrimEnd('\r').Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (line == "---")
            {
                Finish(ref current, entries, number);
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new LogbookFormatException(number, $"expected 'key: value', got '{line}'");
            }

            var key = line[..colon].Trim().ToLowerInvariant();
            var value = line[(colon + 1)..].Trim();
            if (key == "date")
            {
                Finish(ref current, entries, number);
                if (!DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                {
                    throw new LogbookFormatException(number, $"date must be YYYY-MM-DD, got '{value}'");
                }

                current = new Builder(date, number);
                continue;
            }

            if (current is null)
            {
                throw new LogbookFormatException(number, $"'{key}' before the entry's 'date:' line");
            }

            switch (key)
            {
                case "sample":
                    current.Sample = Required(value, number, key);
                    break;
                case "operator":
                    current.Operator = Required(value, number, key);
                    break;
                case "note":
                    current.Note = current.Note is null ? value : current.Note + "\n" + value;
                    break;
                case "step":
                    current.Steps.Add(ParseStep(value, number));
                    break;
                default:
                    throw new LogbookFormatException(number, $"unknown key '{key}' (date, sample, operator, step, note)");
            }
        }

        Finish(ref current, entries, lines.Length);
        return entries;
    }

    private static LogbookStep ParseStep(string value, int number)
    {
        var parts = value.Split(';', StringSplitOptions.TrimEntries);
        var kind = parts[0];
        if (kind.Length == 0 || kind.Contains('=', StringComparison.Ordinal))
        {
            throw new LogbookFormatException(number, "a step starts with its kind, e.g. 'step: anneal; temperature = 720 K'");
        }

        var parameters = new List<LogbookParameter>();
        for (var p = 1; p < parts.Length; p++)
        {
            if (parts[p].Length == 0)
            {
                continue;
            }

            var equals = parts[p].IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new LogbookFormatException(number, $"parameter '{parts[p]}' must be 'name = value [unit]'");
            }

            var name = parts[p][..equals].Trim();
            var text = parts[p][(equals + 1)..].Trim();
            if (text.Length == 0)
            {
                throw new LogbookFormatException(number, $"parameter '{name}' has no value");
            }

            var space = text.IndexOf(' ', StringComparison.Ordinal);
            var numberText = space < 0 ? text : text[..space];
            if (double.TryParse(numberText, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            {
                parameters.Add(new LogbookParameter(name, v, space < 0 ? string.Empty : text[(space + 1)..].Trim(), text));
            }
            else if (char.IsDigit(numberText[0]) || numberText[0] is '-' or '+' or '.')
            {
                throw new LogbookFormatException(number, $"parameter '{name}': '{numberText}' is not a number (use a decimal point)");
            }
            else
            {
                parameters.Add(new LogbookParameter(name, null, string.Empty, text));
            }
        }

        return new LogbookStep(kind, parameters);
    }

    private static string Required(string value, int number, string key) =>
        value.Length > 0 ? value : throw new LogbookFormatException(number, $"'{key}' has no value");

    private static void Finish(ref Builder? current, List<LogbookEntry> entries, int number)
    {
        if (current is null)
        {
            return;
        }

        if (current.Sample is null)
        {
            throw new LogbookFormatException(current.Line, "entry has no 'sample:' line");
        }

        entries.Add(new LogbookEntry(current.Date, current.Sample, current.Operator, current.Steps, current.Note, current.Line));
        current = null;
        _ = number;
    }

    private sealed class Builder(DateOnly date, int line)
    {
        public DateOnly Date { get; } = date;

        public int Line { get; } = line;

        public string? Sample { get; set; }

        public string? Operator { get; set; }

        public string? Note { get; set; }

        public List<LogbookStep> Steps { get; } = [];
    }
}
