using System.Globalization;
using System.Text.Json.Nodes;
using Idrp.Analysis.Stm;
using Idrp.Analysis.Stm.Fast;

namespace Idrp.Infrastructure.Extraction;

/// <summary>
/// STM files of the CNR-IOM lab: FAST HDF5 files (movies, image sets, atom tracking; every attribute becomes a setting,
/// with the unit of its <c>.Unit</c> sibling) and Omicron MATRIX files (a parameter file gives the scanner, gap voltage,
/// regulator and clock settings at the session's start; a data file alone says its channel). An HDF5 file without the
/// FAST layout is handed to <see cref="Hdf5Extractor"/>. Registered before it, so it sees HDF5 files first.
/// </summary>
public sealed class StmExtractor : IMetadataExtractor
{
    private static readonly string[] s_matrixGroups = ["XYScanner_", "GapVoltageControl_", "Regulator_", "Clock1_", "Clock2_", "Clock3_"];
    private readonly Hdf5Extractor _hdf5 = new();

    public string Name => "stm";

    public bool Accepts(string fileName, ReadOnlySpan<byte> head) => StmFiles.IsCandidate(fileName, head);

    public ExtractionResult Extract(Stream file, string fileName, CancellationToken cancellationToken)
    {
        StmFileSummary summary;
        try
        {
            summary = StmFiles.Describe(file, fileName);
        }
        catch (FastFormatException)
        {
            file.Seek(0, SeekOrigin.Begin);
            return _hdf5.Extract(file, fileName, cancellationToken);
        }

        var settings = summary.Settings
            .Where(s => summary.Kind != StmFileKind.MatrixParameters || s_matrixGroups.Any(g => s.Key.StartsWith(g, StringComparison.Ordinal)))
            .Select(s => new ExtractedSetting(s.Key, s.Number is { } n ? n.ToString("R", CultureInfo.InvariantCulture) : s.Text, s.Number, s.Unit))
            .ToList();
        var technical = new JsonObject { ["kind"] = summary.Kind.ToString() };
        foreach (var (key, value) in summary.Technical)
        {
            technical[key] = value;
        }

        if (settings.Count < summary.Settings.Count)
        {
            technical["settingsInFile"] = summary.Settings.Count;
        }

        return new ExtractionResult(Name, settings, technical, null);
    }
}
