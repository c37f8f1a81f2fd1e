using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using Idrp.Domain.Jobs;

namespace Idrp.Server.Jobs;

/// <summary>The job types this process knows, by name. Every process of a cluster must know the same ones.</summary>
internal sealed class JobTypeRegistry(IEnumerable<IJobType> types)
{
    private readonly Dictionary<string, IJobType> _byName = types.ToDictionary(t => t.Name, StringComparer.Ordinal);

    public IReadOnlyCollection<IJobType> All => _byName.Values;

    public IJobType? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>The JSON schema of a type's parameters, made from its parameter class.</summary>
    public static JsonNode Schema(IJobType type)
    {
        var schema = JobParameters.Json.GetJsonSchemaAsNode(type.ParametersType, new JsonSchemaExporterOptions
        {
            TreatNullObliviousAsNonNullable = true,
            TransformSchemaNode = (context, node) =>
            {
                if (node is JsonObject obj && context.PropertyInfo?.AttributeProvider is { } attributes)
                {
                    foreach (var attribute in attributes.GetCustomAttributes(inherit: true))
                    {
                        switch (attribute)
                        {
                            case RangeAttribute range:
                                obj["minimum"] = JsonValue.Create(Convert.ToDouble(range.Minimum, System.Globalization.CultureInfo.InvariantCulture));
                                obj["maximum"] = JsonValue.Create(Convert.ToDouble(range.Maximum, System.Globalization.CultureInfo.InvariantCulture));
                                break;
                            case System.ComponentModel.DescriptionAttribute description:
                                obj["description"] = description.Description;
                                break;
                        }
                    }
                }

                return node;
            },
        });
        if (schema is JsonObject root)
        {
            root["additionalProperties"] = false;
        }

        return schema;
    }

    /// <summary>
    /// Reads and validates parameters for a type: unknown names, wrong types and missing required values are refused,
    /// then the class's data annotations are checked. Returns the normalised JSON (defaults filled in) or the errors.
    /// </summary>
    public static (string? Json, Dictionary<string, string[]> Errors) Validate(IJobType type, JsonElement? parameters)
    {
        var errors = new Dictionary<string, string[]>();
        object? value;
        try
        {
            value = parameters is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } p
                ? p.Deserialize(type.ParametersType, JobParameters.Json)
                : Activator.CreateInstance(type.ParametersType);
        }
        catch (JsonException e)
        {
            var path = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "parameters" : "parameters" + e.Path.TrimStart('$');
            errors[path] = [Api.ProblemExceptionHandler.PlainJsonMessage(e.Message)];
            return (null, errors);
        }

        if (value is null)
        {
            errors["parameters"] = ["Parameters must be a JSON object."];
            return (null, errors);
        }

        foreach (var (key, messages) in Api.ValidationFilter.Errors(value))
        {
            errors["parameters." + key] = messages;
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        return (JsonSerializer.Serialize(value, type.ParametersType, JobParameters.Json), errors);
    }
}

public static class JobTypeServiceCollectionExtensions
{
    /// <summary>Makes a job type known to the frame. That is all a new analysis service needs to run as a job.</summary>
    public static IServiceCollection AddJobType<T>(this IServiceCollection services)
        where T : class, IJobType
    {
        services.AddSingleton<IJobType, T>();
        return services;
    }
}
