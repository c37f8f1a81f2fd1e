using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Idrp.Domain.Jobs;
using Idrp.Server.Jobs;

namespace Idrp.Server.Ui.Shared;

/// <summary>
/// A job type's parameters as an HTML form, made from the JSON schema of its parameter class: a field per scalar
/// parameter (number, text, yes/no, or a choice for an enum), prefilled with the class's defaults. A type with a
/// parameter that is not a scalar (a list, an object) gets one JSON text area instead. What comes back is turned into
/// the JSON the API would have received, so the job frame validates it the same way.
/// </summary>
internal sealed class JobForm
{
    /// <summary>The name of the text area used when the parameters are not all scalars.</summary>
    public const string JsonField = "parameters";

    private JobForm(IJobType type, IReadOnlyList<JobFormField>? fields, string defaults)
    {
        Type = type;
        Fields = fields;
        DefaultJson = defaults;
    }

    public IJobType Type { get; }

    /// <summary>One field per parameter, or null when the form is a JSON text area.</summary>
    public IReadOnlyList<JobFormField>? Fields { get; }

    /// <summary>The defaults as indented JSON, for the text area.</summary>
    public string DefaultJson { get; }

    public static JobForm For(IJobType type)
    {
        var defaults = JsonSerializer.SerializeToNode(Activator.CreateInstance(type.ParametersType), type.ParametersType, JobParameters.Json) as JsonObject ?? [];
        var schema = JobTypeRegistry.Schema(type) as JsonObject;
        var required = (schema?["required"] as JsonArray)?.Select(n => n?.GetValue<string>()).ToHashSet(StringComparer.Ordinal) ?? [];
        var fields = new List<JobFormField>();
        foreach (var (name, node) in schema?["properties"] as JsonObject ?? [])
        {
            if (node is not JsonObject property || Field(name, property, defaults[name], required.Contains(name)) is not { } field)
            {
                fields = null;
                break;
            }

            fields.Add(field);
        }

        return new JobForm(type, fields, defaults.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>The parameters as JSON from a posted form (field names as <see cref="JobFormField.Name"/>).</summary>
    public JsonElement? Read(IFormCollection form)
    {
        if (Fields is null)
        {
            var text = form[JsonField].ToString();
            if (string.IsNullOrWhiteSpace(text))
            {
                return null;
            }

            try
            {
                return JsonDocument.Parse(text).RootElement.Clone();
            }
            catch (JsonException)
            {
                // Handed over as a string: the frame answers "Parameters must be a JSON object"-like errors in one place.
                return JsonSerializer.SerializeToElement(text);
            }
        }

        var result = new JsonObject();
        foreach (var field in Fields)
        {
            var raw = form[field.Name].ToString().Trim();
            if (field.Kind == JobFieldKind.Boolean)
            {
                result[field.Name] = form[field.Name].Any(v => v == "true");
                continue;
            }

            if (raw.Length == 0)
            {
                continue; // the class's default applies, or the frame names the missing required value
            }

            result[field.Name] = field.Kind switch
            {
                JobFieldKind.Integer when long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) => JsonValue.Create(n),
                JobFieldKind.Number when double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => JsonValue.Create(d),
                _ => JsonValue.Create(raw), // text, a choice, or a number that is not one: the frame's message says so
            };
        }

        return JsonSerializer.SerializeToElement(result);
    }

    private static JobFormField? Field(string name, JsonObject property, JsonNode? defaultValue, bool required)
    {
        var types = property["type"] switch
        {
            JsonValue v => [v.GetValue<string>()],
            JsonArray a => a.Select(t => t?.GetValue<string>()).Where(t => t is not null and not "null").ToList(),
            _ => [],
        };
        var choices = (property["enum"] as JsonArray)?.Select(e => e?.ToString()).Where(e => e is not null).Cast<string>().ToList();
        // The web serializer defaults also read numbers written as strings, so a number's schema type is ["string", "integer"].
        var kind = choices is { Count: > 0 } ? JobFieldKind.Choice
            : types.Contains("integer") ? JobFieldKind.Integer
            : types.Contains("number") ? JobFieldKind.Number
            : types is ["string"] ? JobFieldKind.Text
            : types is ["boolean"] ? JobFieldKind.Boolean
            : (JobFieldKind?)null;
        if (kind is null)
        {
            return null;
        }

        double? Number(string key) => property[key] is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;
        var value = defaultValue is JsonValue dv ? (dv.TryGetValue<bool>(out var b) ? (b ? "true" : "false") : dv.ToString()) : "";
        return new JobFormField(name, Label(name), kind.Value, value, property["description"]?.GetValue<string>(), Number("minimum"), Number("maximum"), choices ?? [], required);
    }

    /// <summary>"maxSize" → "Max size".</summary>
    private static string Label(string name)
    {
        var words = new System.Text.StringBuilder();
        foreach (var c in name)
        {
            if (char.IsUpper(c) && words.Length > 0)
            {
                words.Append(' ');
            }

            words.Append(words.Length == 0 ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
        }

        return words.ToString();
    }
}

/// <summary>What kind of input a job parameter gets.</summary>
internal enum JobFieldKind
{
    Integer,
    Number,
    Text,
    Boolean,
    Choice,
}

/// <summary>One scalar job parameter as a form field: its JSON name, label, kind, default, hint and bounds.</summary>
internal sealed record JobFormField(
    string Name, string Label, JobFieldKind Kind, string Default, string? Description, double? Minimum, double? Maximum,
    IReadOnlyList<string> Choices, bool Required)
{
    public string InputType => Kind switch
    {
        JobFieldKind.Integer or JobFieldKind.Number => "number",
        _ => "text",
    };

    public string Step => Kind == JobFieldKind.Integer ? "1" : "any";
}
