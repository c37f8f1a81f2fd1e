using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json;

namespace Idrp.Server.Api;

/// <summary>
/// Validates every request body of the API (records in this assembly) with their data annotations and
/// <see cref="IValidatableObject"/> rules, and answers 422 with the errors per field (camelCase JSON
/// paths) before the handler runs.
/// </summary>
internal sealed class ValidationFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        foreach (var argument in context.Arguments)
        {
            if (argument is null || argument.GetType().Assembly != typeof(ValidationFilter).Assembly || argument is PageQuery)
            {
                continue;
            }

            var errors = Errors(argument);
            if (errors.Count > 0)
            {
                return Problems.Validation(errors);
            }
        }

        return await next(context);
    }

    /// <summary>The validation errors of one request object by camelCase field path; empty when valid.</summary>
    public static Dictionary<string, string[]> Errors(object instance)
    {
        var errors = new Dictionary<string, List<string>>();
        Collect(instance, "", errors, depth: 0);
        return errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
    }

    private static void Collect(object instance, string prefix, Dictionary<string, List<string>> errors, int depth)
    {
        // Validator.TryValidateObject skips IValidatableObject when an attribute fails; a client wants all errors at once.
        var results = new List<ValidationResult>();
        foreach (var property in instance.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var attributes = property.GetCustomAttributes<ValidationAttribute>(inherit: true).ToArray();
            if (attributes.Length > 0)
            {
                var context = new ValidationContext(instance) { MemberName = property.Name, DisplayName = property.Name };
                Validator.TryValidateValue(property.GetValue(instance)!, context, results, attributes);
            }
        }

        if (instance is IValidatableObject validatable)
        {
            results.AddRange(validatable.Validate(new ValidationContext(instance)));
        }
        foreach (var result in results)
        {
            var members = result.MemberNames.Any() ? result.MemberNames : [""];
            foreach (var member in members)
            {
                var key = prefix + (member.Length == 0 ? "" : JsonNamingPolicy.CamelCase.ConvertName(member));
                if (!errors.TryGetValue(key, out var list))
                {
                    errors[key] = list = [];
                }

                list.Add(result.ErrorMessage ?? "Invalid value.");
            }
        }

        if (depth > 3)
        {
            return;
        }

        // Lists of nested records (settings, categories) are validated item by item.
        foreach (var property in instance.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetValue(instance) is System.Collections.IEnumerable items and not string)
            {
                var index = 0;
                foreach (var item in items)
                {
                    if (item is not null && item.GetType().Assembly == typeof(ValidationFilter).Assembly)
                    {
                        Collect(item, $"{prefix}{JsonNamingPolicy.CamelCase.ConvertName(property.Name)}[{index}].", errors, depth + 1);
                    }

                    index++;
                }
            }
        }
    }
}
