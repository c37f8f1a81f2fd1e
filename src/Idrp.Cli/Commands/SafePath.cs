namespace Idrp.Cli.Commands;

/// <summary>
/// Turns a data asset's relativePath and name into a path inside the download folder, or refuses. The names
/// come from a server, and servers can be wrong or hostile: no segment may be empty, '.', '..', rooted, or
/// contain a separator, a drive colon or a control character, and the result must stay inside the folder.
/// </summary>
internal static class SafePath
{
    public static string? Combine(string root, string relativePath, string name)
    {
        var segments = relativePath.Length == 0 ? [] : relativePath.Split('/');
        var parts = new List<string> { Path.GetFullPath(root) };
        foreach (var segment in segments.Append(name))
        {
            if (!IsSafeSegment(segment))
            {
                return null;
            }

            parts.Add(segment);
        }

        var full = Path.GetFullPath(Path.Combine([.. parts]));
        var prefix = Path.TrimEndingDirectorySeparator(parts[0]) + Path.DirectorySeparatorChar;
        return full.StartsWith(prefix, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal) ? full : null;
    }

    private static bool IsSafeSegment(string segment) =>
        segment.Length is > 0 and <= 255
        && segment is not "." and not ".."
        && !segment.Any(c => char.IsControl(c) || c is '/' or '\\' or ':')
        && !Path.IsPathRooted(segment)
        && segment.IndexOfAny(Path.GetInvalidFileNameChars()) < 0;
}
