using Microsoft.AspNetCore.Components;

namespace Idrp.Server.Ui.Shared;

/// <summary>
/// A page about a record that does not exist, or that the reader may not see, answers like the API does: the
/// same 404 for both, rendered by the router's not-found page.
/// </summary>
internal static class NotFoundAnswer
{
    public static void Mark(NavigationManager navigation) => navigation.NotFound();
}
