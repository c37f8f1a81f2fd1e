using System.Text.Json;
using System.Text.Json.Nodes;

namespace Idrp.Server.Api;

/// <summary>
/// JSON Merge Patch (RFC 7396): PATCH sends only the fields to change; null removes a value. The patch is
/// applied to the record's editable form, and the result goes through the same validation and update
/// code as a PUT.
/// </summary>
internal static class MergePatch
{
    public const string MediaType = "application/merge-patch+json";

    public static T Apply<T>(T current, JsonElement patch, JsonSerializerOptions options)
    {
        if (patch.ValueKind != JsonValueKind.Object)
        {
            throw new BadHttpRequestException("A merge patch must be a JSON object.", StatusCodes.Status400BadRequest);
        }

        var target = JsonSerializer.SerializeToNode(current, options) ?? new JsonObject();
        var merged = Merge(target, JsonNode.Parse(patch.GetRawText()));
        try
        {
            return merged.Deserialize<T>(options)
                ?? throw new BadHttpRequestException("The patched record is empty.", StatusCodes.Status400BadRequest);
        }
        catch (JsonException e)
        {
            throw new BadHttpRequestException($"The patch does not fit the record: {e.Message}", StatusCodes.Status400BadRequest, e);
        }
    }

    private static JsonNode? Merge(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target as JsonObject ?? new JsonObject();
        foreach (var (name, value) in patchObject)
        {
            var key = result.Select(p => p.Key).FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase)) ?? name;
            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                result[key] = Merge(result[key], value);
            }
        }

        return result;
    }
}
