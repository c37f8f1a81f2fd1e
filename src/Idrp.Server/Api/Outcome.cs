using Microsoft.AspNetCore.Http.HttpResults;

namespace Idrp.Server.Api;

/// <summary>
/// What a write that both the API and the web UI run comes to: the changed record, or the problem the
/// API answers with (and the UI shows next to the field it names, or above the form). The rules that
/// decide between the two live once, in the feature's <c>…Writes</c> class.
/// </summary>
internal readonly record struct Outcome<T>(T? Value, ProblemHttpResult? Problem)
    where T : class
{
    public static implicit operator Outcome<T>(T value) => new(value, null);

    public static implicit operator Outcome<T>(ProblemHttpResult problem) => new(null, problem);
}
