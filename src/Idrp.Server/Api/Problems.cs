using Microsoft.AspNetCore.Http.HttpResults;

namespace Idrp.Server.Api;

/// <summary>
/// The RFC 9457 problem details the API answers with. Every error has a stable <c>type</c> URI under
/// /problems/ so that clients branch on data, not on message text.
/// </summary>
internal static class Problems
{
    public const string TypeBase = "https://idrp.dev/problems/";

    /// <summary>Also the answer for records that exist but may not be read: nobody learns what they may not see.</summary>
    public static ProblemHttpResult NotFound(string kind, Guid id) =>
        Make(StatusCodes.Status404NotFound, "not-found", "Not found", $"There is no {kind} with id {id} that you may see.");

    public static ProblemHttpResult NotFound(string detail) =>
        Make(StatusCodes.Status404NotFound, "not-found", "Not found", detail);

    public static ProblemHttpResult Forbidden(string detail) =>
        Make(StatusCodes.Status403Forbidden, "forbidden", "Forbidden", detail);

    public static ProblemHttpResult Conflict(string detail) =>
        Make(StatusCodes.Status409Conflict, "conflict", "Conflict", detail);

    public static ProblemHttpResult PreconditionFailed(long currentVersion) =>
        Make(StatusCodes.Status412PreconditionFailed, "precondition-failed", "Precondition failed",
            $"The record has changed since you read it (its ETag is now \"{currentVersion}\"). Read it again and repeat your change.");

    public static ProblemHttpResult Invalid(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });

    public static ProblemHttpResult Validation(IDictionary<string, string[]> errors) =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors)
        {
            Status = StatusCodes.Status422UnprocessableEntity,
            Type = TypeBase + "validation",
            Title = "The request is not valid",
            Detail = "See errors for what to correct.",
        });

    /// <summary>The type name for a status, for problems the framework makes.</summary>
    public static string Slug(int status) => status switch
    {
        400 => "bad-request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not-found",
        405 => "method-not-allowed",
        409 => "conflict",
        412 => "precondition-failed",
        413 => "too-large",
        415 => "unsupported-media-type",
        422 => "validation",
        _ when status >= 500 => "server-error",
        _ => "http-" + status.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>What to tell a client when the framework answered without saying why.</summary>
    public static string? DefaultDetail(int status) => status switch
    {
        401 => "Send a valid API token as 'Authorization: Bearer idrp_...' or sign in.",
        404 => "There is nothing at this address.",
        405 => "This address does not accept that HTTP method.",
        413 => "The request body is larger than this endpoint accepts.",
        415 => "Send JSON with Content-Type application/json; PATCH takes application/merge-patch+json.",
        _ => null,
    };

    public static ProblemHttpResult Make(int status, string type, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title, type: TypeBase + type);
}
