using System.Globalization;
using System.Text.Json.Nodes;
using Idrp.Analysis.Kmap;
using Idrp.Analysis.Kmap.Fit;
using Idrp.Analysis.Kmap.Input;
using Idrp.Analysis.Kmap.Maps;
using Idrp.Analysis.Kmap.QSpace;
using Idrp.Domain.Jobs;

namespace Idrp.Server.Features.Kmap;

/// <summary>
/// KMAP reduction as a job: the measurement's master file with its entry files (or a BLISS file) go through the Q-space
/// conversion, the per-point peak fit and the strain and tilt maps. Outputs, under "kmap/&lt;run&gt;/", each derived from the
/// files read: qspace.h5 (one cube per scan point), maps.h5, fit.csv and PNG heatmaps. Cancellable between scan points.
/// </summary>
internal sealed class KmapReduceJobType : JobType<KmapReduceParameters>
{
    public const string TypeName = "kmap.reduce";

    /// <summary>Names of the outputs the viewer looks for among a run's outputs.</summary>
    public const string QSpaceName = "qspace.h5";

    public const string MapsName = "maps.h5";

    private static readonly MapKind[] Heatmaps = [MapKind.Strain, MapKind.TiltX, MapKind.TiltY, MapKind.Tilt, MapKind.Intensity];

    public override string Name => TypeName;

    public override string Version => "1";

    public override string Description => "KMAP (ID01) reduction: Q-space cubes of every scan point, Gaussian peak fits, strain and tilt maps (HDF5, CSV, PNG).";

    /// <summary>The folder a run writes into: "kmap/" and the random tail of the job id, so that re-runs never collide.</summary>
    public static string OutputFolder(Guid jobId) => "kmap/" + jobId.ToString("N")[^12..];

    protected override async Task RunAsync(IJobContext context, KmapReduceParameters parameters, CancellationToken cancellationToken)
    {
        try
        {
            await ReduceAsync(context, parameters, cancellationToken);
        }
        catch (KmapException e)
        {
            // Library failures name the file and dataset; shown with the file's path in the measurement, not the work folder.
            throw new JobFailedException(e.Message.Replace(Path.Combine(context.WorkDirectory, "inputs") + Path.DirectorySeparatorChar, "", StringComparison.Ordinal));
        }
    }

    private static async Task ReduceAsync(IJobContext context, KmapReduceParameters parameters, CancellationToken cancellationToken)
    {
        // Earlier runs' outputs (kmap/…) are not data to reduce.
        var files = context.Inputs.Where(i => IsHdf5OrNpy(i) && !i.RelativePath.StartsWith("kmap", StringComparison.Ordinal)).ToList();
        if (files.Count == 0)
        {
            throw new JobFailedException("No HDF5 input: give the master file and its entry files, or a BLISS scan file.");
        }

        context.ReportProgress(0, $"Copying {files.Count} input file(s)");
        var root = await context.MaterializeInputsAsync(files, cancellationToken);
        var maskInput = parameters.Mask is { } maskSpec ? Find(files, maskSpec.Split(':')[0], "mask") : null;
        var (master, dataset) = OpenDataset(root, files.Where(f => f != maskInput && !f.Name.EndsWith(".npy", StringComparison.OrdinalIgnoreCase)).ToList(), parameters.Master);
        context.Log($"{master.Path}: {dataset.Layout}, {dataset.Entries.Count} entries, {dataset.PointCount} scan points, frames {dataset.FrameShape.Rows} x {dataset.FrameShape.Columns}.");

        var conversion = parameters.ToConversion();
        if (maskInput is not null)
        {
            var colon = parameters.Mask!.IndexOf(':', StringComparison.Ordinal);
            var spec = Path.Combine(root, maskInput.Path) + (colon >= 0 ? parameters.Mask[colon..] : "");
            conversion = conversion with { Mask = DetectorMask.Load(spec, dataset.FrameShape) };
        }

        var outputs = Directory.CreateDirectory(Path.Combine(context.WorkDirectory, "outputs")).FullName;
        var qspacePath = Path.Combine(outputs, QSpaceName);
        QSpaceResult converted;
        using (var writer = new QSpaceH5Writer(qspacePath, null))
        {
            converted = QSpaceConverter.Convert(dataset, conversion, writer,
                new Relay(f => context.ReportProgress(0.02 + (0.78 * f), $"Q-space conversion: {f:P0} of the scan points")), cancellationToken);
        }

        if (converted.Layout.PointIndices.Length == 0)
        {
            throw new JobFailedException("The sample ROI selects no scan point.");
        }

        context.Log(string.Create(CultureInfo.InvariantCulture,
            $"Converted {converted.Layout.PointIndices.Length} points ({converted.FramesRead:N0} frames) in {converted.Timings.Wall.TotalSeconds:0.00} s on grid {converted.Layout.Grid.Shape}."));

        PeakFitResult fit;
        using (var source = QSpaceH5File.Open(qspacePath))
        {
            fit = PeakFitter.Fit(source, parameters.ToFit(), new Relay(f => context.ReportProgress(0.8 + (0.12 * f), $"Fitting: {f:P0}")), cancellationToken);
        }

        KmapMaps maps;
        try
        {
            maps = KmapMaps.Compute(fit, parameters.ToReference());
        }
        catch (ArgumentException)
        {
            throw new JobFailedException("The strain reference selects no successfully fitted point.");
        }

        context.ReportProgress(0.93, "Writing maps");
        MapExport.WriteHdf5(maps, Path.Combine(outputs, MapsName));
        MapExport.WriteCsv(maps, Path.Combine(outputs, "fit.csv"));
        foreach (var kind in Heatmaps)
        {
            MapExport.WritePng(maps, kind, Path.Combine(outputs, kind.ToString().ToLowerInvariant() + ".png"));
        }

        var derivedFrom = FilesRead(root, master, files);
        if (maskInput is not null)
        {
            derivedFrom.Add(maskInput);
        }

        var folder = OutputFolder(context.JobId);
        foreach (var (name, mediaType) in new[] { (QSpaceName, "application/x-hdf5"), (MapsName, "application/x-hdf5"), ("fit.csv", "text/csv") }
                     .Concat(Heatmaps.Select(k => (k.ToString().ToLowerInvariant() + ".png", "image/png"))))
        {
            await using var stream = new FileStream(Path.Combine(outputs, name), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await context.AddOutputAsync(name, stream, mediaType, derivedFrom, folder, cancellationToken);
        }

        context.SetResult(Summary(master, dataset, converted, fit, maps, folder));
    }

    private static JsonObject Summary(JobInputAsset master, KmapDataset dataset, QSpaceResult converted, PeakFitResult fit, KmapMaps maps, string folder)
    {
        var ok = fit.Points.Count(p => p.Status == FitStatus.Ok);
        var grid = converted.Layout.Grid;
        return new JsonObject
        {
            ["master"] = master.Path,
            ["layout"] = dataset.Layout.ToString(),
            ["entries"] = dataset.Entries.Count,
            ["points"] = converted.Layout.PointIndices.Length,
            ["grid"] = new JsonArray(grid.Shape.X, grid.Shape.Y, grid.Shape.Z),
            ["qBox"] = new JsonArray(grid.Box.XMin, grid.Box.XMax, grid.Box.YMin, grid.Box.YMax, grid.Box.ZMin, grid.Box.ZMax),
            ["fitted"] = fit.Points.Count,
            ["fitSuccessRatio"] = fit.Points.Count == 0 ? 0 : Math.Round((double)ok / fit.Points.Count, 4),
            ["d0"] = maps.D0,
            ["strain"] = Range(maps.Strain),
            ["tiltX"] = Range(maps.TiltX),
            ["tiltY"] = Range(maps.TiltY),
            ["conversionSeconds"] = Math.Round(converted.Timings.Wall.TotalSeconds, 3),
            ["fitSeconds"] = Math.Round(fit.Elapsed.TotalSeconds, 3),
            ["outputFolder"] = folder,
        };
    }

    private static JsonObject Range(double[] values)
    {
        var finite = values.Where(double.IsFinite).ToArray();
        return finite.Length == 0
            ? new JsonObject { ["min"] = null, ["max"] = null }
            : new JsonObject { ["min"] = finite.Min(), ["max"] = finite.Max() };
    }

    /// <summary>The master: the one named, or the HDF5 input that opens as a KMAP with the most entries (an entry file alone opens as one entry).</summary>
    private static (JobInputAsset Master, KmapDataset Dataset) OpenDataset(string root, List<JobInputAsset> files, string? named)
    {
        if (named is not null)
        {
            var master = Find(files, named, "master");
            return (master, KmapDataset.Open(Path.Combine(root, master.Path)));
        }

        (JobInputAsset Master, KmapDataset Dataset)? best = null;
        var problems = new List<string>();
        foreach (var file in files.OrderBy(f => f.Size ?? long.MaxValue))
        {
            try
            {
                var dataset = KmapDataset.Open(Path.Combine(root, file.Path));
                if (best is null || dataset.Entries.Count > best.Value.Dataset.Entries.Count)
                {
                    best = (file, dataset);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Any HDF5 file may sit beside the KMAP (a ground truth, a mask); PureHDF's own exceptions mean "not a KMAP" here.
                problems.Add($"{file.Path}: {e.Message}");
            }
        }

        return best ?? throw new JobFailedException("No input opens as a KMAP (X-SOCS master or BLISS file). " + string.Join(" ", problems.Take(3)));
    }

    /// <summary>
    /// The master and the inputs it refers to: an external link (X-SOCS entry files, BLISS lima files) stores the target's
    /// file name in the master, so an input whose name occurs in the master's bytes is one the conversion read.
    /// </summary>
    private static List<JobInputAsset> FilesRead(string root, JobInputAsset master, List<JobInputAsset> files)
    {
        var bytes = File.ReadAllBytes(Path.Combine(root, master.Path));
        return [master, .. files.Where(f => f != master && bytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(f.Name)) >= 0)];
    }

    private static JobInputAsset Find(List<JobInputAsset> files, string path, string what) =>
        files.FirstOrDefault(f => string.Equals(f.Path, path.Trim('/'), StringComparison.Ordinal))
        ?? throw new JobFailedException($"The {what} '{path}' is not among the job's inputs.");

    private static bool IsHdf5OrNpy(JobInputAsset asset) =>
        Path.GetExtension(asset.Name).ToLowerInvariant() is ".h5" or ".hdf5" or ".hdf" or ".nxs" or ".npy";

    /// <summary>Reports progress on the calling (worker) thread; Progress&lt;T&gt; would post to the thread pool and reorder reports.</summary>
    private sealed class Relay(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
