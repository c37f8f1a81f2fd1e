using System.Globalization;
using System.Text;

namespace Idrp.Analysis.Stm.Logbook;

/// <summary>Logbook entries as one readable line each, for a sample's preparation history. Thread safe (stateless).</summary>
public static class LogbookText
{
    /// <summary>
    /// "2024-03-14, M. Rossi: sputter (energy 1.0 keV, current 2.5 uA, time 15 min, gas Ar); anneal (temperature 720 K,
    /// time 10 min). two cycles before this one"
    /// </summary>
    public static string Line(LogbookEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var text = new StringBuilder(entry.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        if (entry.Operator is { } person)
        {
            text.Append(", ").Append(person);
        }

        text.Append(':');
        text.Append(entry.Steps.Count == 0 ? " no steps" : " " + string.Join("; ", entry.Steps.Select(Step)));
        if (entry.Note is { } note)
        {
            text.Append(". ").Append(note);
        }

        return text.ToString();
    }

    private static string Step(LogbookStep step) => step.Parameters.Count == 0
        ? step.Kind
        : $"{step.Kind} ({string.Join(", ", step.Parameters.Select(p => $"{p.Name} {p.Text}"))})";
}
