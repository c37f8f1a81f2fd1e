using System.Globalization;

namespace Idrp.Analysis.Stm.Logbook;

/// <summary>Flattens a logbook entry to <c>Logbook.*</c> HDF5 attribute names and values (FAST convention: <c>X</c> and <c>X.Unit</c>).</summary>
public static class LogbookAttributes
{
    /// <summary>
    /// Attributes for <paramref name="entry"/>: <c>Logbook.Date</c>, <c>Logbook.Sample</c>, <c>Logbook.Operator</c>,
    /// <c>Logbook.Note</c>, <c>Logbook.StepCount</c>, and per step n (from 1) <c>Logbook.Step{n}.Kind</c> plus
    /// <c>Logbook.Step{n}.{parameter}</c> (double, or string when not numeric) and <c>.Unit</c>.
    /// </summary>
    public static IReadOnlyDictionary<string, object> From(LogbookEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var result = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["Logbook.Date"] = entry.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["Logbook.Sample"] = entry.Sample,
            ["Logbook.StepCount"] = entry.Steps.Count,
        };
        if (entry.Operator is not null)
        {
            result["Logbook.Operator"] = entry.Operator;
        }

        if (entry.Note is not null)
        {
            result["Logbook.Note"] = entry.Note;
        }

        for (var i = 0; i < entry.Steps.Count; i++)
        {
            var prefix = string.Create(CultureInfo.InvariantCulture, $"Logbook.Step{i + 1}.");
            var step = entry.Steps[i];
            result[prefix + "Kind"] = step.Kind;
            foreach (var p in step.Parameters)
            {
                result[prefix + p.Name] = p.Value is { } v ? v : p.Text;
                if (p.Unit.Length > 0)
                {
                    result[prefix + p.Name + ".Unit"] = p.Unit;
                }
            }
        }

        return result;
    }
}
