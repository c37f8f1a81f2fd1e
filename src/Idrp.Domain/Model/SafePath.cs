using System.Text;

namespace Idrp.Domain.Model;

/// <summary>
/// File names and folder paths that come from clients are data, never paths on our disks: these
/// checks keep them to one normalised, relative, '/'-separated form with no way out of their folder.
/// Names are kept in Unicode normalisation form C, so that "é" typed on macOS (NFD) and on Linux (NFC)
/// is one name, not two look-alikes.
/// </summary>
public static class SafePath
{
    public const int MaxNameLength = 255;
    public const int MaxPathLength = 2048;

    /// <summary>The name in normalisation form C; names that cannot be normalised (lone surrogates) are returned as they are and fail <see cref="ProblemWithName"/>.</summary>
    public static string NormaliseName(string name)
    {
        try
        {
            return name.Normalize(NormalizationForm.FormC);
        }
        catch (ArgumentException)
        {
            return name;
        }
    }

    /// <summary>Checks one file name (after <see cref="NormaliseName"/>); returns null when it is acceptable, else why not.</summary>
    public static string? ProblemWithName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return "A file name is required.";
        }

        if (!IsWellFormed(name))
        {
            return "The file name is not well-formed Unicode.";
        }

        if (name.Length > MaxNameLength)
        {
            return $"The file name is longer than {MaxNameLength} characters.";
        }

        if (name is "." or "..")
        {
            return "'.' and '..' are not file names.";
        }

        foreach (var c in name)
        {
            if (c is '/' or '\\')
            {
                return "A file name may not contain '/' or '\\'; put folders in relativePath.";
            }

            if (char.IsControl(c))
            {
                return "A file name may not contain control characters.";
            }
        }

        return null;
    }

    private static bool IsWellFormed(string name)
    {
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsHighSurrogate(name[i]) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(name[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Normalises a relative folder path ("a\\b/" becomes "a/b") and checks it; returns the normalised
    /// path, or null with the reason in <paramref name="problem"/>.
    /// </summary>
    public static string? NormaliseFolder(string? path, out string? problem)
    {
        problem = null;
        if (string.IsNullOrEmpty(path))
        {
            return "";
        }

        if (path.Length > MaxPathLength)
        {
            problem = $"The path is longer than {MaxPathLength} characters.";
            return null;
        }

        var parts = path.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (path[0] is '/' or '\\' || (path.Length > 1 && path[1] == ':'))
        {
            problem = "The path must be relative to the measurement.";
            return null;
        }

        foreach (var part in parts)
        {
            if (part == ".")
            {
                continue;
            }

            var partProblem = ProblemWithName(NormaliseName(part));
            if (partProblem is not null)
            {
                problem = $"Invalid path segment: {partProblem}";
                return null;
            }
        }

        return string.Join('/', parts.Where(p => p != ".").Select(NormaliseName));
    }
}
