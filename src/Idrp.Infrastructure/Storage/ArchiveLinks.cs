using Idrp.Domain.Model;

namespace Idrp.Infrastructure.Storage;

/// <summary>
/// Facility archives the operator lets linked assets point into, by name: <c>Archives:Roots:sem=/mnt/sem-archive</c>
/// makes <c>archive://sem/2026/run-17/image.tif</c> mean that file. Clients only ever name a root and a relative
/// path; the server alone knows where the root is mounted.
/// </summary>
public sealed class ArchiveOptions
{
    public const string Section = "Archives";

    public Dictionary<string, string> Roots { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Hosts of http(s) archives the server itself may read from (fixity checks). Empty by default: a
    /// member's link must not make the server fetch from wherever it points (internal addresses included).
    /// </summary>
    public List<string> AllowedHosts { get; set; } = [];
}

/// <summary>Turns archive:// links into files under the configured roots, refusing anything that would leave its root.</summary>
public sealed class ArchiveLinks(ArchiveOptions options)
{
    public const string Scheme = "archive";

    /// <summary>Whether a link names a file in a mounted archive (rather than an http(s) URL).</summary>
    public static bool IsArchiveLink(string? link) => link?.StartsWith(Scheme + ":", StringComparison.Ordinal) == true;

    /// <summary>Opens the archive file a link names, for streaming reads.</summary>
    /// <exception cref="BlobNotFoundException">The link leaves its root or the file is not there.</exception>
    public Stream OpenRead(string link)
    {
        var path = Resolve(new Uri(link), out _);
        if (path is null || !File.Exists(path))
        {
            throw new BlobNotFoundException(link);
        }

        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
    }

    /// <summary>Whether the server may fetch this http(s) link itself: its host is one the operator allows.</summary>
    public bool MayFetch(Uri link) =>
        link.Scheme is "http" or "https" && options.AllowedHosts.Contains(link.Host, StringComparer.OrdinalIgnoreCase);

    /// <summary>The file an archive link names, or null with the reason.</summary>
    public string? Resolve(Uri link, out string? problem)
    {
        problem = null;
        if (!options.Roots.TryGetValue(link.Host, out var root) || string.IsNullOrWhiteSpace(root))
        {
            problem = $"There is no archive root named '{link.Host}' on this server.";
            return null;
        }

        var relative = SafePath.NormaliseFolder(Uri.UnescapeDataString(link.AbsolutePath.TrimStart('/')), out problem);
        if (relative is null || relative.Length == 0)
        {
            problem ??= "The link names no file inside the archive.";
            return null;
        }

        var rootPath = Path.GetFullPath(root);
        var full = Path.GetFullPath(Path.Combine(rootPath, relative));
        if (!full.StartsWith(Path.TrimEndingDirectorySeparator(rootPath) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            problem = "The link leaves its archive root.";
            return null;
        }

        // A symbolic link inside the archive must not lead out of it either.
        var file = new FileInfo(full);
        var target = file.Exists || file.LinkTarget is not null ? file.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full : full;
        if (!target.StartsWith(Path.TrimEndingDirectorySeparator(rootPath) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            problem = "The link leaves its archive root.";
            return null;
        }

        return full;
    }
}
