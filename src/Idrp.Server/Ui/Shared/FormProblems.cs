using System.Reflection;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Idrp.Server.Ui.Shared;

/// <summary>
/// Shows a write's problem (the same one the API would answer) on a form: field errors next to the field
/// they name, everything else (403, 404, 409, 412) as one message above the form.
/// </summary>
internal static class FormProblems
{
    /// <summary>
    /// Adds field messages to <paramref name="store"/>; returns the message for the whole form, if any.
    /// <paramref name="aliases"/> maps API field names (camelCase) whose form field has another name, e.g. dateOfCollection → Collected.
    /// </summary>
    public static string? Show(ProblemHttpResult problem, EditContext context, ValidationMessageStore store, IReadOnlyDictionary<string, string>? aliases = null)
    {
        store.Clear();
        if (problem.ProblemDetails is not Microsoft.AspNetCore.Http.HttpValidationProblemDetails validation)
        {
            context.NotifyValidationStateChanged();
            return problem.ProblemDetails.Detail ?? problem.ProblemDetails.Title;
        }

        var general = new List<string>();
        foreach (var (key, messages) in validation.Errors)
        {
            // "settings[2].key" belongs to the Settings field; "endDate" to EndDate.
            var head = key.Split('[', '.')[0];
            var name = aliases?.GetValueOrDefault(head) ?? (head.Length == 0 ? "" : char.ToUpperInvariant(head[0]) + head[1..]);
            var property = context.Model.GetType().GetProperty(name, BindingFlags.Public | BindingFlags.Instance);
            if (property is null)
            {
                general.AddRange(messages);
                continue;
            }

            var detail = key.Length > head.Length ? key[head.Length..] : null;
            store.Add(context.Field(name), detail is null ? messages : messages.Select(m => $"{m} ({Describe(detail)})"));
        }

        context.NotifyValidationStateChanged();
        return general.Count == 0 ? "Please correct the fields marked below." : string.Join(" ", general);
    }

    /// <summary>"[2].key" → "line 3, key".</summary>
    private static string Describe(string path)
    {
        var close = path.IndexOf(']', StringComparison.Ordinal);
        if (path.StartsWith('[') && close > 0 && int.TryParse(path[1..close], out var index))
        {
            var rest = path[(close + 1)..].TrimStart('.');
            return rest.Length == 0 ? $"line {index + 1}" : $"line {index + 1}, {rest}";
        }

        return path.TrimStart('.');
    }
}
