using Idrp.Analysis.Kmap.Fit;
using Idrp.Analysis.Kmap.Input;
using Idrp.Analysis.Kmap.Maps;
using Idrp.Analysis.Kmap.QSpace;

namespace Idrp.Analysis.Kmap;

/// <summary>
/// The three steps as whole-file operations, so that the CLI verbs <c>idrp kmap convert | fit | maps</c> and the
/// server job type are argument parsing around one call each. Thread-safe (no shared state).
/// </summary>
public static class KmapCommands
{
    /// <summary><c>idrp kmap convert MASTER OUT.h5</c>: Q-space cubes of every (or every ROI) scan point.</summary>
    /// <exception cref="KmapException">Input unreadable or corrupt (names the dataset).</exception>
    public static QSpaceResult Convert(string input, string qspacePath, QSpaceOptions? options = null, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        var dataset = KmapDataset.Open(input);
        using var writer = new QSpaceH5Writer(qspacePath, options?.OutputCompressionLevel);
        return QSpaceConverter.Convert(dataset, options ?? new QSpaceOptions(), writer, progress, cancellationToken);
    }

    /// <summary><c>idrp kmap fit QSPACE.h5 OUT.csv</c>: per-point peak fit and strain/tilt, one CSV row per point.</summary>
    public static KmapMaps Fit(string qspacePath, string csvPath, StrainReference reference, FitOptions? options = null, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        var maps = FitMaps(qspacePath, reference, options, progress, cancellationToken);
        MapExport.WriteCsv(maps, csvPath);
        return maps;
    }

    /// <summary>
    /// <c>idrp kmap maps QSPACE.h5 OUTDIR</c>: fit, then maps.h5, fit.csv and one PNG heatmap per <paramref name="kinds"/>
    /// (default strain, tilt x, tilt y, intensity) into <paramref name="outputDirectory"/>. Returns the files written.
    /// </summary>
    public static IReadOnlyList<string> Maps(string qspacePath, string outputDirectory, StrainReference reference, FitOptions? options = null, IReadOnlyList<MapKind>? kinds = null, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputDirectory);
        Directory.CreateDirectory(outputDirectory);
        var maps = FitMaps(qspacePath, reference, options, progress, cancellationToken);
        var files = new List<string> { Path.Combine(outputDirectory, "maps.h5"), Path.Combine(outputDirectory, "fit.csv") };
        MapExport.WriteHdf5(maps, files[0]);
        MapExport.WriteCsv(maps, files[1]);
        foreach (var kind in kinds ?? [MapKind.Strain, MapKind.TiltX, MapKind.TiltY, MapKind.Intensity])
        {
            var png = Path.Combine(outputDirectory, kind.ToString().ToLowerInvariant() + ".png");
            MapExport.WritePng(maps, kind, png);
            files.Add(png);
        }

        return files;
    }

    private static KmapMaps FitMaps(string qspacePath, StrainReference reference, FitOptions? options, IProgress<double>? progress, CancellationToken cancellationToken)
    {
        using var source = QSpaceH5File.Open(qspacePath);
        var fit = PeakFitter.Fit(source, options ?? new FitOptions(), progress, cancellationToken);
        return KmapMaps.Compute(fit, reference);
    }
}
