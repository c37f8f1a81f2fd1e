namespace Idrp.Analysis.Sem;

/// <summary>
/// The ten categories of the NFFA-Europe SEM data set (Aversa et al., Scientific Data 5, 180172, 2018), the
/// published file-name prefixes L0…L9 and the folder and tar names used for them.
/// </summary>
public static class SemCategories
{
    public const string Biological = "Biological";
    public const string Fibres = "Fibres";
    public const string Mems = "MEMS devices and electrodes";
    public const string Particles = "Particles";
    public const string PorousSponge = "Porous Sponge";
    public const string Tips = "Tips";
    public const string Films = "Films and Coated Surfaces";
    public const string Nanowires = "Nanowires";
    public const string Patterned = "Patterned surfaces";
    public const string Powder = "Powder";

    /// <summary>All ten, in the seed's order.</summary>
    public static IReadOnlyList<string> All { get; } = [Biological, Fibres, Mems, Particles, PorousSponge, Tips, Films, Nanowires, Patterned, Powder];

    /// <summary>The category of the published prefix L<i>k</i>_ (index k), as in the B2SHARE tar archives.</summary>
    public static IReadOnlyList<string> ByPublishedIndex { get; } = [PorousSponge, Patterned, Particles, Films, Powder, Tips, Nanowires, Biological, Mems, Fibres];

    private static readonly Dictionary<string, string> s_aliases = BuildAliases();

    /// <summary>
    /// The category a folder or archive name stands for ("Porous_Sponge", "patterned-surface", "MEMS_devices_and_electrodes",
    /// "Films_Coated_Surface.tar" …), or null when it names none of the ten. Case, separators, "and" and plural s do not matter.
    /// </summary>
    public static string? FromName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var extension in (string[])[".tar.gz", ".tgz", ".tar"])
        {
            if (name.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
            {
                name = name[..^extension.Length];
                break;
            }
        }

        return s_aliases.GetValueOrDefault(Normalise(name));
    }

    /// <summary>The category of a published file name L<i>k</i>_&lt;hash&gt;.jpg, or null when the name does not follow it.</summary>
    public static string? FromPublishedFileName(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        var name = Path.GetFileName(fileName);
        return name.Length >= 4 && name[0] == 'L' && char.IsAsciiDigit(name[1]) && name[2] == '_'
            ? ByPublishedIndex[name[1] - '0']
            : null;
    }

    private static Dictionary<string, string> BuildAliases()
    {
        var aliases = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var category in All)
        {
            aliases[Normalise(category)] = category;
        }

        aliases[Normalise("MEMS")] = Mems;
        aliases[Normalise("Films")] = Films;
        aliases[Normalise("Films coated surface")] = Films;
        aliases[Normalise("Coated surfaces")] = Films;
        aliases[Normalise("Patterned")] = Patterned;
        aliases[Normalise("Porous")] = PorousSponge;
        aliases[Normalise("Sponge")] = PorousSponge;
        aliases[Normalise("Fibers")] = Fibres;
        aliases[Normalise("Bio")] = Biological;
        return aliases;
    }

    /// <summary>Letters and digits only, lower case, without the word "and" and without plural s at the end of words.</summary>
    private static string Normalise(string name)
    {
        var words = name.ToLowerInvariant().Split([' ', '_', '-', '.', '&', ','], StringSplitOptions.RemoveEmptyEntries);
        var builder = new System.Text.StringBuilder();
        foreach (var word in words)
        {
            if (word == "and")
            {
                continue;
            }

            var w = word.Length > 3 && word.EndsWith('s') ? word[..^1] : word;
            foreach (var c in w)
            {
                if (char.IsAsciiLetterOrDigit(c))
                {
                    builder.Append(c);
                }
            }
        }

        return builder.ToString();
    }
}
