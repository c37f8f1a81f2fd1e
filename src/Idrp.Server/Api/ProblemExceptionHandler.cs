using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Idrp.Server.Api;

/// <summary>
/// Turns the exceptions that bad input or a concurrent change can cause into problem details with the
/// right status, by exception type and database error code (never by message text). Anything else is a
/// real server error: logged, answered 500 without internals.
/// </summary>
internal sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        var (status, type, title, detail) = Classify(exception);
        if (status == StatusCodes.Status500InternalServerError)
        {
            logger.LogError(exception, "Unhandled error on {Method} {Path}", http.Request.Method, http.Request.Path);
        }

        http.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            Exception = exception,
            ProblemDetails = { Status = status, Type = Problems.TypeBase + type, Title = title, Detail = detail },
        });
    }

    private static (int Status, string Type, string Title, string Detail) Classify(Exception exception) => exception switch
    {
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
            (413, "too-large", "Request too large", "The request body is larger than this endpoint accepts."),
        BadHttpRequestException bad when bad.InnerException is JsonException json =>
            (400, "bad-request", "Malformed request", JsonDetail(json)),
        BadHttpRequestException bad =>
            (bad.StatusCode, "bad-request", "Malformed request", BindingDetail(bad.Message)),
        JsonException json =>
            (400, "bad-request", "Malformed request", JsonDetail(json)),
        DbUpdateConcurrencyException =>
            (412, "precondition-failed", "Precondition failed", "The record was changed by someone else at the same time. Read it again and repeat your change."),
        DbUpdateException { InnerException: SqliteException { SqliteExtendedErrorCode: SqliteUnique or SqlitePrimaryKey } } =>
            (409, "conflict", "Conflict", ConstraintDetail(unique: true)),
        DbUpdateException { InnerException: SqliteException { SqliteExtendedErrorCode: SqliteForeignKey } } =>
            (409, "conflict", "Conflict", ConstraintDetail(unique: false)),
        DbUpdateException { InnerException: PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } } =>
            (409, "conflict", "Conflict", ConstraintDetail(unique: true)),
        DbUpdateException { InnerException: PostgresException { SqlState: PostgresErrorCodes.ForeignKeyViolation } } =>
            (409, "conflict", "Conflict", ConstraintDetail(unique: false)),
        OperationCanceledException =>
            (499, "cancelled", "Request cancelled", "The client went away before the request finished."),
        _ => (500, "server-error", "Server error", "The server failed to handle this request; the error was logged."),
    };

    // Minimal APIs' binding messages speak C# ("Nullable<int> Limit", "Did you mean to use a Service?");
    // the status is already decided, these only reword the detail for someone who speaks HTTP.
    private static string BindingDetail(string message)
    {
        if (BindFailure().Match(message) is { Success: true } failed)
        {
            return $"The parameter '{JsonNamingPolicy.CamelCase.ConvertName(failed.Groups["name"].Value)}' cannot be '{failed.Groups["value"].Value}'.";
        }

        if (MissingBody().IsMatch(message))
        {
            return "This request needs a JSON body.";
        }

        return ClrTypeName().Replace(message, "${name}");
    }

    [GeneratedRegex("^Failed to bind parameter \"(?:[^\"]* )?(?<name>\\w+)\" from \"(?<value>[^\"]*)\"")]
    private static partial Regex BindFailure();

    [GeneratedRegex("^Implicit body inferred|^Required parameter .* was not provided from body")]
    private static partial Regex MissingBody();

    private static string JsonDetail(JsonException json) =>
        "The request body is not valid JSON for this endpoint: " + PlainJsonMessage(json.Message);

    /// <summary>
    /// A serializer message in the client's terms: the serializer names our CLR types ("...could not be mapped to any
    /// .NET member contained in type 'Idrp.Server…'"); clients know the JSON, not those. Also used for job parameters.
    /// </summary>
    internal static string PlainJsonMessage(string message)
    {
        if (UnmappedMember().Match(message) is { Success: true } unknown)
        {
            return $"There is no field '{unknown.Groups["name"].Value}' here.";
        }

        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return ClrTypeName().Replace(cut > 0 ? message[..cut] : message, "${name}")
            .Replace("System.Int32", "integer", StringComparison.Ordinal).Replace("System.Int64", "integer", StringComparison.Ordinal)
            .Replace("System.Double", "number", StringComparison.Ordinal).Replace("System.String", "string", StringComparison.Ordinal)
            .Replace("System.Boolean", "boolean", StringComparison.Ordinal);
    }

    [GeneratedRegex("^The JSON property '(?<name>[^']*)' could not be mapped")]
    private static partial Regex UnmappedMember();

    [GeneratedRegex(@"Idrp(\.\w+)*\.(?<name>\w+)")]
    private static partial Regex ClrTypeName();

    // SQLite's extended result codes (https://sqlite.org/rescode.html).
    private const int SqliteUnique = 2067;
    private const int SqlitePrimaryKey = 1555;
    private const int SqliteForeignKey = 787;

    private static string ConstraintDetail(bool unique) => unique
        ? "A record with the same unique values (name, number or path) already exists."
        : "The change refers to a record that does not exist, or removes one that others still refer to.";
}
