using System.Formats.Tar;
using System.IO.Compression;

namespace Idrp.Analysis.Sem.Dataset;

/// <summary>One labelled image: a file on disk (<see cref="Path"/>) or an archive entry read into memory (<see cref="Data"/>).</summary>
/// <param name="Name">The file path, or "archive.tar!entry/name.jpg" for archive entries; used in messages and for the held-out split.</param>
/// <param name="Label">The category.</param>
public sealed record SemSample(string Name, string Label, string? Path, byte[]? Data)
{
    public byte[] ReadAllBytes() => Data ?? File.ReadAllBytes(Path!);
}

/// <summary>
/// Reads a labelled image collection in the layouts of the published NFFA-Europe set and its copies:
/// <list type="bullet">
/// <item>one folder per category (<c>Nanowires/</c>, <c>Porous_Sponge/</c> …, any depth below it);</item>
/// <item>one tar (or .tar.gz/.tgz) per category (<c>Biological.tar</c> …), read as a stream, never unpacked to disk;</item>
/// <item>files named <c>L0_…</c> to <c>L9_…</c> anywhere (the published names: L0 Porous Sponge … L9 Fibres), which
/// label themselves wherever they are.</item>
/// </list>
/// A folder or archive named after one of the ten categories gives its label to every image in it; otherwise the L
/// prefix decides; otherwise a sub-folder's own name becomes the label (a facility's own category). Images in the root
/// itself without an L prefix are unlabelled and skipped. Not thread-safe per enumeration; enumerate once per thread.
/// </summary>
public static class SemDataset
{
    private static readonly string[] s_imageExtensions = [".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp"];

    /// <summary>Every labelled image under <paramref name="root"/> (a folder, or one archive), lazily, in a stable order.</summary>
    /// <exception cref="FileNotFoundException">The root does not exist.</exception>
    /// <exception cref="InvalidDataException">An archive is damaged (the message names it).</exception>
    public static IEnumerable<SemSample> Enumerate(string root, DatasetSkips? skips = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        if (File.Exists(root))
        {
            return IsArchive(root) ? ReadArchive(root, SemCategories.FromName(System.IO.Path.GetFileName(root)), skips)
                : throw new InvalidDataException($"{root} is neither a folder nor a .tar archive of images.");
        }

        if (!Directory.Exists(root))
        {
            throw new FileNotFoundException($"no data set at {root}", root);
        }

        return EnumerateFolder(root, skips);
    }

    /// <summary>Whether <paramref name="fileName"/> has an image extension this importer reads.</summary>
    public static bool IsImageFile(string fileName) =>
        s_imageExtensions.Contains(System.IO.Path.GetExtension(fileName), StringComparer.OrdinalIgnoreCase);

    private static bool IsArchive(string path) =>
        path.EndsWith(".tar", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase);

    private static IEnumerable<SemSample> EnumerateFolder(string root, DatasetSkips? skips)
    {
        foreach (var file in Directory.EnumerateFiles(root).Order(StringComparer.Ordinal))
        {
            if (IsArchive(file))
            {
                foreach (var sample in ReadArchive(file, SemCategories.FromName(System.IO.Path.GetFileName(file)), skips))
                {
                    yield return sample;
                }
            }
            else if (IsImageFile(file))
            {
                if (SemCategories.FromPublishedFileName(file) is { } label)
                {
                    yield return new SemSample(file, label, file, null);
                }
                else
                {
                    skips?.Add(file, "no category: not in a category folder and not named L0_… to L9_…");
                }
            }
        }

        foreach (var directory in Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
        {
            var folderName = System.IO.Path.GetFileName(directory);
            var folderCategory = SemCategories.FromName(folderName);
            foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                if (IsArchive(file))
                {
                    foreach (var sample in ReadArchive(file, folderCategory ?? SemCategories.FromName(System.IO.Path.GetFileName(file)), skips))
                    {
                        yield return sample;
                    }
                }
                else if (IsImageFile(file))
                {
                    yield return new SemSample(file, folderCategory ?? SemCategories.FromPublishedFileName(file) ?? folderName, file, null);
                }
            }
        }
    }

    private static IEnumerable<SemSample> ReadArchive(string path, string? archiveCategory, DatasetSkips? skips)
    {
        using var file = File.OpenRead(path);
        using var stream = path.EndsWith(".tar", StringComparison.OrdinalIgnoreCase) ? (Stream)file : new GZipStream(file, CompressionMode.Decompress);
        using var reader = new TarReader(stream);
        while (true)
        {
            TarEntry? entry;
            byte[] data;
            try
            {
                entry = reader.GetNextEntry();
                if (entry is null)
                {
                    yield break;
                }

                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null || !IsImageFile(entry.Name))
                {
                    continue;
                }

                data = new byte[entry.Length];
                entry.DataStream.ReadExactly(data);
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
            {
                throw new InvalidDataException($"{path} is not a readable tar archive: {e.Message}", e);
            }

            var name = path + "!" + entry.Name;
            var label = archiveCategory ?? FolderCategory(entry.Name) ?? SemCategories.FromPublishedFileName(entry.Name);
            if (label is null)
            {
                skips?.Add(name, "no category: the archive, its folders and the file name name none");
                continue;
            }

            yield return new SemSample(name, label, null, data);
        }
    }

    private static string? FolderCategory(string entryName)
    {
        var parts = entryName.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = parts.Length - 2; i >= 0; i--)
        {
            if (SemCategories.FromName(parts[i]) is { } category)
            {
                return category;
            }
        }

        return null;
    }
}

/// <summary>Files left out of a data set or a run, with the reason. Thread-safe.</summary>
public sealed class DatasetSkips
{
    private readonly List<(string Name, string Reason)> _items = [];

    public IReadOnlyList<(string Name, string Reason)> Items
    {
        get
        {
            lock (_items)
            {
                return [.. _items];
            }
        }
    }

    public void Add(string name, string reason)
    {
        lock (_items)
        {
            _items.Add((name, reason));
        }
    }
}
