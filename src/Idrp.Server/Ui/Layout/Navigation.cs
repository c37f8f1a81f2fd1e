using System.Reflection;
using Microsoft.AspNetCore.Components;

namespace Idrp.Server.Ui.Layout;

/// <summary>What the main navigation links to.</summary>
internal static class Navigation
{
    /// <summary>
    /// Whether a page answers at /search. The search page comes with the search service; until it is there
    /// the navigation has no link that leads nowhere.
    /// </summary>
    public static bool HasSearchPage { get; } = typeof(Navigation).Assembly.GetTypes()
        .Any(t => typeof(IComponent).IsAssignableFrom(t) && t.GetCustomAttributes<RouteAttribute>().Any(r => r.Template.Equals("/search", StringComparison.OrdinalIgnoreCase)));
}
