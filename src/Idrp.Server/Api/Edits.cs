using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Idrp.Server.Api;

/// <summary>What PUT and PATCH handlers share: merge-patching the editable form and validating the result.</summary>
internal static class Edits
{
    /// <summary>Applies a JSON merge patch to the record's editable form, with the API's JSON settings.</summary>
    public static T Patch<T>(T current, JsonElement patch, HttpContext http)
    {
        var options = http.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        return MergePatch.Apply(current, patch, options);
    }

    /// <summary>Null when valid; otherwise the 422 to answer (the same rules the validation filter applies to request bodies).</summary>
    public static ProblemHttpResult? Validate(object update)
    {
        var errors = ValidationFilter.Errors(update);
        return errors.Count == 0 ? null : Problems.Validation(errors);
    }
}
