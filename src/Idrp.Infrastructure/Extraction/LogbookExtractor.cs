using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Idrp.Analysis.Stm.Logbook;

namespace Idrp.Infrastructure.Extraction;

/// <summary>
/// The STM lab's plain-text logbook (docs/analysis/stm-logbook.md), recognised by its name (<c>*.logbook</c>, or a
/// <c>.txt</c>/<c>.log</c> whose name contains "logbook") or by a first line <c>date: YYYY-MM-DD</c>. Its entries become
/// preparation lines for the measurement's Sample (<see cref="ExtractionResult.Preparations"/>), its last entry the
/// <c>Logbook.*</c> settings of the measurement, and all entries the asset's technical metadata. A malformed entry
/// throws <see cref="LogbookFormatException"/>, which the extraction turns into a note with the line number.
/// </summary>
public sealed class LogbookExtractor : IMetadataExtractor
{
    private const long MaxBytes = 4 << 20;

    public string Name => "stm-logbook";

    public bool Accepts(string fileName, ReadOnlySpan<byte> head)
    {
        var name = fileName.ToLowerInvariant();
        return name.EndsWith(".logbook", StringComparison.Ordinal)
            || (name.Contains("logbook", StringComparison.Ordinal) && (name.EndsWith(".txt", StringComparison.Ordinal) || name.EndsWith(".log", StringComparison.Ordinal)))
            || (name.EndsWith(".txt", StringComparison.Ordinal) && head.StartsWith("date:"u8));
    }

    public ExtractionResult Extract(Stream file, string fileName, CancellationToken cancellationToken)
    {
        if (file.Length > MaxBytes)
        {
            return ExtractionResult.Nothing($"A logbook larger than {MaxBytes >> 20} MiB is not read.");
        }

        string text;
        using (var reader = new StreamReader(file, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, leaveOpen: true))
        {
            text = reader.ReadToEnd();
        }

        var entries = LogbookParser.Parse(text);
        if (entries.Count == 0)
        {
            return ExtractionResult.Nothing("The logbook has no entries.");
        }

        var technical = new JsonObject
        {
            ["kind"] = "StmLogbook",
            ["entries"] = new JsonArray(entries.Select(e => (JsonNode)new JsonObject
            {
                ["line"] = e.LineNumber,
                ["date"] = e.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                ["sample"] = e.Sample,
                ["operator"] = e.Operator,
                ["steps"] = new JsonArray(e.Steps.Select(s => (JsonNode)new JsonObject
                {
                    ["kind"] = s.Kind,
                    ["parameters"] = new JsonArray(s.Parameters.Select(p => (JsonNode)new JsonObject
                    {
                        ["name"] = p.Name,
                        ["value"] = p.Value is { } v ? JsonValue.Create(v) : JsonValue.Create(p.Text),
                        ["unit"] = p.Unit.Length == 0 ? null : p.Unit,
                    }).ToArray()),
                }).ToArray()),
                ["note"] = e.Note,
            }).ToArray()),
        };

        var attributes = LogbookAttributes.From(entries[^1]);
        var settings = attributes
            .Where(a => !a.Key.EndsWith(".Unit", StringComparison.Ordinal))
            .Select(a => a.Value switch
            {
                double d => new ExtractedSetting(a.Key, d.ToString("R", CultureInfo.InvariantCulture), d, attributes.TryGetValue(a.Key + ".Unit", out var unit) ? (string)unit : null),
                int i => new ExtractedSetting(a.Key, i.ToString(CultureInfo.InvariantCulture), i, null),
                _ => new ExtractedSetting(a.Key, Convert.ToString(a.Value, CultureInfo.InvariantCulture) ?? string.Empty, null, null),
            })
            .ToList();
        return new ExtractionResult(Name, settings, technical, null)
        {
            Preparations = entries.Select(e => new ExtractedPreparation(e.Sample, LogbookText.Line(e))).ToList(),
        };
    }
}
