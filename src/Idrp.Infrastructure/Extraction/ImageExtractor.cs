using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MetadataExtractor;
using MetadataExtractor.Formats.Exif;

namespace Idrp.Infrastructure.Extraction;

/// <summary>
/// Images (TIFF, JPEG, PNG) through MetadataExtractor: dimensions, EXIF, and the SEM vendors' private TIFF
/// tags — Zeiss "CZ_SEM" (34118) and FEI/Thermo Fisher (34682) — as instrument settings with units:
/// EHT, working distance, magnification, pixel size, detector, vacuum, beam current.
/// </summary>
public sealed partial class ImageExtractor : IMetadataExtractor
{
    public const int ZeissTag = 34118;
    public const int FeiTag = 34682;

    public string Name => "image";

    public bool Accepts(string fileName, ReadOnlySpan<byte> head) =>
        head.StartsWith("II*\0"u8) || head.StartsWith("MM\0*"u8) || head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF])
        || head.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G']);

    public ExtractionResult Extract(Stream file, string fileName, CancellationToken cancellationToken)
    {
        var directories = ImageMetadataReader.ReadMetadata(file);
        var technical = new JsonObject();
        var settings = new List<ExtractedSetting>();
        foreach (var directory in directories)
        {
            var tags = new JsonObject();
            foreach (var tag in directory.Tags)
            {
                if (tag.Type is ZeissTag or FeiTag)
                {
                    continue;
                }

                var description = tag.Description;
                if (description is { Length: > 0 and < 500 })
                {
                    tags[tag.Name] = description;
                }
            }

            if (tags.Count > 0)
            {
                technical[directory.Name] = tags;
            }
        }

        var dimensions = Dimensions(directories);
        if (dimensions is var (width, height))
        {
            technical["image"] = new JsonObject { ["width"] = width, ["height"] = height };
            settings.Add(new ExtractedSetting("Image width", width.ToString(CultureInfo.InvariantCulture), width, "px"));
            settings.Add(new ExtractedSetting("Image height", height.ToString(CultureInfo.InvariantCulture), height, "px"));
        }

        var ifd0 = directories.OfType<ExifIfd0Directory>().FirstOrDefault();
        if (TagText(ifd0, FeiTag) is { } fei)
        {
            technical["sem"] = "FEI/Thermo Fisher";
            settings.AddRange(FeiSettings(fei));
        }
        else if (TagText(ifd0, ZeissTag) is { } zeiss)
        {
            technical["sem"] = "Zeiss";
            settings.AddRange(ZeissSettings(zeiss));
        }

        // MetadataExtractor reports damage as directory errors rather than exceptions.
        string? note = null;
        if (dimensions is null)
        {
            var errors = directories.SelectMany(d => d.Errors).Distinct().Take(3).ToList();
            note = "The image's size could not be read" + (errors.Count > 0 ? ": " + string.Join("; ", errors) : ".");
        }

        return new ExtractionResult(Name, settings, technical, note);
    }

    private static (int Width, int Height)? Dimensions(IReadOnlyList<MetadataExtractor.Directory> directories)
    {
        foreach (var directory in directories)
        {
            var (w, h) = directory switch
            {
                MetadataExtractor.Formats.Jpeg.JpegDirectory => (MetadataExtractor.Formats.Jpeg.JpegDirectory.TagImageWidth, MetadataExtractor.Formats.Jpeg.JpegDirectory.TagImageHeight),
                MetadataExtractor.Formats.Png.PngDirectory => (MetadataExtractor.Formats.Png.PngDirectory.TagImageWidth, MetadataExtractor.Formats.Png.PngDirectory.TagImageHeight),
                ExifIfd0Directory => (ExifDirectoryBase.TagImageWidth, ExifDirectoryBase.TagImageHeight),
                _ => (-1, -1),
            };
            if (w >= 0 && directory.TryGetInt32(w, out var width) && directory.TryGetInt32(h, out var height))
            {
                return (width, height);
            }
        }

        return null;
    }

    private static string? TagText(ExifIfd0Directory? directory, int tag) => directory?.GetObject(tag) switch
    {
        string text => text,
        byte[] bytes => Encoding.Latin1.GetString(bytes).TrimEnd('\0'),
        StringValue value => value.ToString(Encoding.Latin1),
        _ => null,
    };

    /// <summary>FEI's tag is INI text: [Beam] HV=10000, [EBeam] WD=0.0042, [Scan] PixelWidth=1.2e-09, … (SI units).</summary>
    internal static IEnumerable<ExtractedSetting> FeiSettings(string text)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var section = "";
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                section = line[1..^1];
            }
            else if (line.IndexOf('=') is var eq and > 0)
            {
                values[section + "." + line[..eq].Trim()] = line[(eq + 1)..].Trim();
            }
        }

        (string Source, string Key, string Unit, double Scale, string ShownUnit)[] map =
        [
            ("Beam.HV", "EHT", "V", 1e-3, "kV"),
            ("EBeam.WD", "WD", "m", 1e3, "mm"),
            ("Scan.PixelWidth", "Pixel size", "m", 1e9, "nm"),
            ("EBeam.BeamCurrent", "Beam current", "A", 1e12, "pA"),
            ("Vacuum.ChPressure", "Chamber pressure", "Pa", 1, "Pa"),
        ];
        foreach (var (source, key, _, scale, unit) in map)
        {
            if (values.TryGetValue(source, out var value) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                var shown = number * scale;
                yield return new ExtractedSetting(key, shown.ToString("G6", CultureInfo.InvariantCulture), shown, unit);
            }
        }

        if (values.TryGetValue("Detectors.Name", out var detector) && detector.Length > 0)
        {
            yield return new ExtractedSetting("Detector", detector, null, null);
        }

        if (values.TryGetValue("Vacuum.UserMode", out var vacuumMode) && vacuumMode.Length > 0)
        {
            yield return new ExtractedSetting("Vacuum mode", vacuumMode, null, null);
        }
    }

    /// <summary>
    /// Zeiss's tag is text: after a count, pairs of lines — an internal name ("AP_WD") and "Label = value unit"
    /// ("WD = 8.5 mm"). The labels people read are kept, with the value's number and unit split.
    /// </summary>
    internal static IEnumerable<ExtractedSetting> ZeissSettings(string text)
    {
        var wanted = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["EHT"] = "EHT",
            ["WD"] = "WD",
            ["Mag"] = "Magnification",
            ["Pixel Size"] = "Pixel size",
            ["Signal A"] = "Detector",
            ["Gun Vacuum"] = "Gun vacuum",
            ["System Vacuum"] = "System vacuum",
            ["Beam Current"] = "Beam current",
            ["I Probe"] = "Probe current",
        };
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var raw in text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            var match = ZeissLine().Match(raw.Trim());
            if (!match.Success || !wanted.TryGetValue(match.Groups["label"].Value.Trim(), out var key) || !seen.Add(key))
            {
                continue;
            }

            var value = match.Groups["value"].Value.Trim();
            var quantity = Quantity().Match(value);
            if (!quantity.Success)
            {
                yield return new ExtractedSetting(key, value, null, null);
                continue;
            }

            var number = double.Parse(quantity.Groups["number"].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
            var unit = quantity.Groups["unit"].Value.Trim();
            if (key == "Magnification")
            {
                // "50.00 K X" is 50,000 times.
                number *= unit.StartsWith("K", StringComparison.OrdinalIgnoreCase) ? 1e3 : 1;
                unit = "x";
            }

            yield return new ExtractedSetting(key, number.ToString("G6", CultureInfo.InvariantCulture), number, unit.Length == 0 ? null : unit);
        }
    }

    [GeneratedRegex(@"^(?<label>[^=]+?)\s*=\s*(?<value>.+)$")]
    private static partial Regex ZeissLine();

    [GeneratedRegex(@"^(?<number>[-+]?\d+(\.\d+)?([eE][-+]?\d+)?)\s*(?<unit>.*)$")]
    private static partial Regex Quantity();
}
