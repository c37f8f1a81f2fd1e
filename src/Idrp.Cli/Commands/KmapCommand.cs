using System.CommandLine;
using System.Diagnostics;
using Idrp.Analysis.Kmap;
using Idrp.Analysis.Kmap.Fit;
using Idrp.Analysis.Kmap.Input;
using Idrp.Analysis.Kmap.Maps;
using Idrp.Analysis.Kmap.QSpace;
using Spectre.Console;

namespace Idrp.Cli.Commands;

/// <summary>
/// <c>idrp kmap info | convert | fit | maps</c>: the KMAP library (X-SOCS' work) on local files, no server involved.
/// Every step is one call into <see cref="KmapCommands"/>; this class parses arguments, shows progress and reports.
/// A file the library cannot read ends the command with one line naming the file and dataset, and exit code 1.
/// </summary>
internal static class KmapCommand
{
    public static Command Create()
    {
        var command = new Command("kmap", "KMAP X-ray nano-diffraction (what X-SOCS does): Q-space conversion, peak fits, strain and tilt maps, on local files.")
        {
            CreateInfo(),
            CreateConvert(),
            CreateFit(),
            CreateMaps(),
        };
        return command;
    }

    private static Command CreateInfo()
    {
        var input = new Argument<FileInfo>("file") { Description = "A KMAP master file (X-SOCS merged layout or ID01 BLISS scan file), or a Q-space file written by 'idrp kmap convert'." };
        var command = new Command("info", "Show what a KMAP or Q-space file holds: entries, geometry, scan points, the default Q grid.") { input };
        command.SetAction((parse, ct) =>
        {
            var path = parse.GetValue(input)!.FullName;
            Run(() =>
            {
                if (KmapCliFiles.IsQSpaceFile(path))
                {
                    using var qspace = QSpaceH5File.Open(path);
                    KmapReport.QSpaceInfo(qspace);
                }
                else
                {
                    KmapReport.DatasetInfo(KmapDataset.Open(path));
                }
            });
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static Command CreateConvert()
    {
        var input = new Argument<FileInfo>("master") { Description = "The KMAP master file (X-SOCS merged layout) or ID01 BLISS scan file." };
        var output = new Option<FileInfo>("--output", "-o") { Description = "The Q-space HDF5 file to write (X-SOCS layout, readable by h5py and silx).", Required = true };
        var shape = new Option<string?>("--shape") { Description = "Bins along qx,qy,qz (default 32,32,64), or qy,qz alone. qx follows the rocking step unless --no-align." };
        var noAlign = new Option<bool>("--no-align") { Description = "Do not make the qx bins one rocking step wide; use the qx count of --shape." };
        var median = new Option<bool>("--median") { Description = "3x3 median filter on every frame before binning (as X-SOCS)." };
        var mask = new Option<string?>("--mask") { Description = "Detector pixels to ignore: FILE.h5[:DATASET] (default dataset 'mask') or FILE.npy, frame-shaped, non-zero = masked." };
        var normalize = new Option<string?>("--normalize") { Description = "'monitor': scale each frame by mean monitor / its monitor." };
        normalize.AcceptOnlyFromAmong("monitor");
        var sampleRoi = SampleRoiOption("Convert only the scan points inside this sample rectangle");
        var qRoi = QRoiOption("Grid this Q box instead of the box spanning every pixel");
        var threads = ThreadsOption();
        var compress = new Option<int?>("--compress") { Description = "Deflate level 0-9 for the cubes (default none: uncompressed cubes are read fastest by 'fit')." };
        var command = new Command("convert", "Convert every detector pixel of every scan point to reciprocal space and bin it: one cube per scan point.")
        {
            input, output, shape, noAlign, median, mask, normalize, sampleRoi, qRoi, threads, compress,
        };
        command.SetAction((parse, ct) =>
        {
            var master = parse.GetValue(input)!.FullName;
            var target = parse.GetValue(output)!.FullName;
            var level = parse.GetValue(compress);
            if (level is < 0 or > 9)
            {
                throw new CliException(ExitCodes.Usage, "--compress takes a deflate level from 0 to 9.");
            }

            var options = new QSpaceOptions
            {
                MedianFilter = parse.GetValue(median),
                NormaliseByMonitor = parse.GetValue(normalize) == "monitor",
                AlignQxToRockingStep = !parse.GetValue(noAlign),
                SampleRoi = KmapCliFiles.SampleBox(parse.GetValue(sampleRoi), "--sample-roi"),
                QRoi = KmapCliFiles.QBox(parse.GetValue(qRoi), "--q-roi"),
                MaxDegreeOfParallelism = Threads(parse.GetValue(threads)),
                OutputCompressionLevel = level,
            };
            if (parse.GetValue(shape) is { } text)
            {
                options = options with { GridShape = KmapCliFiles.Shape(text, options.GridShape) };
            }

            var result = Run(() =>
            {
                var dataset = KmapDataset.Open(master);
                if (options.NormaliseByMonitor && dataset.Entries.Any(e => e.Monitor is null))
                {
                    var missing = dataset.Entries.First(e => e.Monitor is null);
                    throw new KmapException("--normalize monitor: the entry has no monitor.", master, missing.Name + "/" + KmapReadOptions.Default.MonitorDataset);
                }

                if (parse.GetValue(mask) is { } maskSpec)
                {
                    options = options with { Mask = KmapCliFiles.Mask(maskSpec, dataset.FrameShape) };
                }

                Console.Error.Flush();
                var wall = Stopwatch.StartNew();
                var converted = WithProgress("converting", progress =>
                {
                    using var writer = new QSpaceH5Writer(target, options.OutputCompressionLevel);
                    return QSpaceConverter.Convert(dataset, options, writer, progress, ct);
                });
                return (dataset, converted, wall.Elapsed);
            });
            KmapReport.Converted(result.dataset, result.converted, result.Elapsed, target);
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static Command CreateFit()
    {
        var input = new Argument<FileInfo>("qspace") { Description = "A Q-space file written by 'idrp kmap convert'." };
        var output = new Option<FileInfo>("--output", "-o") { Description = "The CSV to write: one row per scan point (peak centre qx qy qz in 1/Å, |Q|, d, strain, tilts in degrees, fit status).", Required = true };
        var (reference, method, background, sampleRoi, qRoi, threads) = FitOptions();
        var command = new Command("fit", "Fit the Bragg peak of every scan point (projections on qx, qy, qz) and compute strain and tilt.")
        {
            input, output, reference, method, background, sampleRoi, qRoi, threads,
        };
        command.SetAction((parse, ct) =>
        {
            var qspace = parse.GetValue(input)!.FullName;
            var csv = parse.GetValue(output)!.FullName;
            var options = ParseFit(parse, method, background, sampleRoi, qRoi, threads);
            var strainReference = KmapCliFiles.Reference(parse.GetValue(reference));
            var (maps, elapsed) = FitAndCompute(qspace, options, strainReference, parse.GetValue(reference), ct);
            Run(() => MapExport.WriteCsv(maps, csv));
            KmapReport.Fitted(maps, elapsed, strainReference);
            Console.WriteLine($"wrote {csv}");
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static Command CreateMaps()
    {
        var input = new Argument<FileInfo>("qspace") { Description = "A Q-space file written by 'idrp kmap convert'." };
        var output = new Option<DirectoryInfo>("--out") { Description = "The folder to write maps.h5, fit.csv and one PNG heatmap per map into.", Required = true };
        var kinds = new Option<string?>("--maps") { Description = "PNG maps, comma-separated: strain, tilt_x, tilt_y, tilt, azimuth, q_norm, d_spacing, intensity (default strain,tilt_x,tilt_y,intensity)." };
        var (reference, method, background, sampleRoi, qRoi, threads) = FitOptions();
        var command = new Command("maps", "Fit every scan point and write strain, tilt and intensity maps as HDF5, PNG heatmaps and CSV.")
        {
            input, output, kinds, reference, method, background, sampleRoi, qRoi, threads,
        };
        command.SetAction((parse, ct) =>
        {
            var qspace = parse.GetValue(input)!.FullName;
            var folder = parse.GetValue(output)!.FullName;
            var wanted = KmapCliFiles.Kinds(parse.GetValue(kinds));
            var options = ParseFit(parse, method, background, sampleRoi, qRoi, threads);
            var strainReference = KmapCliFiles.Reference(parse.GetValue(reference));
            var (maps, elapsed) = FitAndCompute(qspace, options, strainReference, parse.GetValue(reference), ct);
            var files = Run(() =>
            {
                Directory.CreateDirectory(folder);
                var written = new List<string> { Path.Combine(folder, "maps.h5"), Path.Combine(folder, "fit.csv") };
                MapExport.WriteHdf5(maps, written[0]);
                MapExport.WriteCsv(maps, written[1]);
                foreach (var kind in wanted)
                {
                    var png = Path.Combine(folder, KmapCliFiles.KindName(kind) + ".png");
                    MapExport.WritePng(maps, kind, png);
                    written.Add(png);
                }

                return written;
            });
            KmapReport.Fitted(maps, elapsed, strainReference);
            foreach (var file in files)
            {
                Console.WriteLine($"wrote {file}");
            }

            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static (Option<string?> Reference, Option<string> Method, Option<string> Background, Option<string?> SampleRoi, Option<string?> QRoi, Option<int?> Threads) FitOptions()
    {
        var reference = new Option<string?>("--reference")
        {
            Description = "d0 for strain = d/d0 - 1: 'point[:INDEX]' (d at one scan point, default 0), 'region[:X0,X1,Y0,Y1]' (mean d in a sample rectangle in µm, default every point), or 'd0:VALUE' (Å). Default: region.",
        };
        var method = new Option<string>("--method") { Description = "gaussian (Levenberg-Marquardt, default) or centroid (centre of mass).", DefaultValueFactory = _ => "gaussian" };
        method.AcceptOnlyFromAmong("gaussian", "centroid");
        var background = new Option<string>("--background") { Description = "constant (fit an offset; centroid: subtract the minimum; default) or none.", DefaultValueFactory = _ => "constant" };
        background.AcceptOnlyFromAmong("constant", "none");
        return (reference, method, background, SampleRoiOption("Fit only the scan points inside this sample rectangle"), QRoiOption("Only bins inside this Q box enter the projections"), ThreadsOption());
    }

    private static FitOptions ParseFit(ParseResult parse, Option<string> method, Option<string> background, Option<string?> sampleRoi, Option<string?> qRoi, Option<int?> threads) => new()
    {
        Method = parse.GetValue(method) == "centroid" ? FitMethod.CentreOfMass : FitMethod.Gaussian,
        Background = parse.GetValue(background) == "none" ? BackgroundMode.None : BackgroundMode.Constant,
        SampleRoi = KmapCliFiles.SampleBox(parse.GetValue(sampleRoi), "--sample-roi"),
        QRoi = KmapCliFiles.QBox(parse.GetValue(qRoi), "--q-roi"),
        MaxDegreeOfParallelism = Threads(parse.GetValue(threads)),
    };

    private static (KmapMaps Maps, TimeSpan Elapsed) FitAndCompute(string qspace, FitOptions options, StrainReference reference, string? referenceText, CancellationToken ct) => Run(() =>
    {
        using var source = QSpaceH5File.Open(qspace);
        var fit = WithProgress("fitting", progress => PeakFitter.Fit(source, options, progress, ct));
        if (fit.Points.Count == 0)
        {
            throw new CliException(ExitCodes.General, "No scan point to fit (check --sample-roi).");
        }

        try
        {
            return (KmapMaps.Compute(fit, reference), fit.Elapsed);
        }
        catch (ArgumentException)
        {
            throw new CliException(ExitCodes.General, $"The strain reference '{referenceText ?? "region"}' selects no successfully fitted point.");
        }
    });

    private static Option<string?> SampleRoiOption(string what) =>
        new("--sample-roi") { Description = what + ": X0,X1,Y0,Y1 in µm (inclusive)." };

    private static Option<string?> QRoiOption(string what) =>
        new("--q-roi") { Description = what + ": QX0,QX1,QY0,QY1,QZ0,QZ1 in 1/Å (sample frame)." };

    private static Option<int?> ThreadsOption() =>
        new("--threads") { Description = "Worker threads (default: every core)." };

    private static int Threads(int? value) => value switch
    {
        null => Environment.ProcessorCount,
        < 1 => throw new CliException(ExitCodes.Usage, "--threads must be at least 1."),
        { } n => n,
    };

    /// <summary>Runs a library call; its typed failures become one-line CLI errors (exit 1) naming the file and dataset.</summary>
    private static T Run<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (KmapException e)
        {
            throw new CliException(ExitCodes.General, OneLine(e.Message), e);
        }
        catch (FileNotFoundException e)
        {
            throw new CliException(ExitCodes.General, OneLine(e.Message), e);
        }
    }

    private static void Run(Action action) => Run(() =>
    {
        action();
        return 0;
    });

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>A Spectre progress bar with elapsed and remaining time on a terminal; silent when output is redirected (logs, pipes, tests).</summary>
    private static T WithProgress<T>(string what, Func<IProgress<double>?, T> work)
    {
        if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
        {
            return work(null);
        }

        return AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                var task = context.AddTask(what, maxValue: 1.0);
                var result = work(new BarProgress(task));
                task.Value = 1.0;
                return result;
            });
    }

    /// <summary>Reports from worker threads straight into the task (Spectre's tasks are thread-safe); Progress&lt;T&gt; would post to a sync context the console has not.</summary>
    private sealed class BarProgress(ProgressTask task) : IProgress<double>
    {
        public void Report(double value) => task.Value = Math.Max(task.Value, value);
    }
}
