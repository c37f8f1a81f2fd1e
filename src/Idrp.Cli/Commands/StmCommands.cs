using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Idrp.Analysis.Stm;
using Idrp.Analysis.Stm.Export;
using Idrp.Analysis.Stm.Fast;
using Idrp.Analysis.Stm.Gwyddion;
using Idrp.Analysis.Stm.Imaging;
using Idrp.Analysis.Stm.Logbook;
using Idrp.Analysis.Stm.Matrix;
using Idrp.Analysis.Stm.Processing;

namespace Idrp.Cli.Commands;

/// <summary>
/// <c>idrp stm ...</c>: the STM library on a laptop, no server needed: file summaries, FAST frames and movies with
/// pyfastspm's corrections, Gwyddion export, MATRIX images and curves, logbook entries into an HDF5 copy.
/// </summary>
internal static class StmCommands
{
    public static Command Create() => new("stm", "STM data: FAST movies (HDF5), Omicron MATRIX files, Gwyddion export, logbook metadata.")
    {
        Info(), Frames(), Movie(), Export(), MatrixCommand(), LogbookCommand(),
    };

    private static Command Info()
    {
        var file = FileArgument("A FAST .h5 or MATRIX file.");
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON." };
        var command = new Command("info", "Show what an STM file holds: kind, sizes, settings with units.") { file, json };
        command.SetAction(parse => Run(() =>
        {
            var summary = StmFiles.Describe(Existing(parse.GetValue(file)!));
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));
                return ExitCodes.Ok;
            }

            Console.WriteLine($"kind: {summary.Kind}");
            foreach (var (key, value) in summary.Technical)
            {
                Console.WriteLine($"{key}: {value}");
            }

            Console.WriteLine($"settings ({summary.Settings.Count}):");
            foreach (var s in summary.Settings)
            {
                Console.WriteLine(s.Unit is null ? $"  {s.Key} = {s.Text}" : $"  {s.Key} = {s.Text} {s.Unit}");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private sealed record ProcessingOptions(
        Option<string> Channels, Option<int?> Phase, Option<bool> AutoPhase, Option<string?> Fft, Option<bool> Creep,
        Option<double?> CreepParameter, Option<bool> Interpolate, Option<bool> Drift, Option<int> DriftStep, Option<bool> Notebook,
        Option<string> ColorMapName, Option<int> Scale, Option<double> Contrast, Option<bool> Physical)
    {
        public static ProcessingOptions Create() => new(
            new Option<string>("--channels") { Description = "uf, ub, df, db, udf, udb, ui, di or udi.", DefaultValueFactory = _ => "udf" },
            new Option<int?>("--phase") { Description = "x phase in samples (with --auto-phase: added to the detected one)." },
            new Option<bool>("--auto-phase") { Description = "Detect the x phase from frame 0 (pyfastspm correct_phase)." },
            new Option<string?>("--fft") { Description = "FFT filter: default, or a list of x, y, xo[=N], hp[=HZ[:WIDTH]], pump=HZ[:HZ..], pumpo=N, width=HZ." },
            new Option<bool>("--creep") { Description = "Fit and correct y creep (sin model; up-down channels); implies --interpolate." },
            new Option<double?>("--creep-parameter") { Description = "Known creep parameter instead of a fit." },
            new Option<bool>("--interpolate") { Description = "Interpolate to the regular grid (sine x, linear or creep-corrected y)." },
            new Option<bool>("--drift") { Description = "Correct drift (frame cross-correlation; reads the movie twice)." },
            new Option<int>("--drift-step") { Description = "Frames between correlated frames.", DefaultValueFactory = _ => 10 },
            new Option<bool>("--notebook") { Description = "pyfastspm's converter notebook: udi, --auto-phase, --fft default, --creep, --drift." },
            new Option<string>("--colormap") { Description = "hot, gray or gwyddion.", DefaultValueFactory = _ => "hot" },
            new Option<int>("--scale") { Description = "Integer enlargement of every pixel.", DefaultValueFactory = _ => 4 },
            new Option<double>("--contrast") { Description = "Fraction of values inside the colour range (pyfastspm's keep).", DefaultValueFactory = _ => 0.99 },
            new Option<bool>("--physical") { Description = "Convert the signal from ADC counts to physical units (SignalIn.* attributes)." });

        public void AddTo(Command command)
        {
            foreach (var option in new Option[] { Channels, Phase, AutoPhase, Fft, Creep, CreepParameter, Interpolate, Drift, DriftStep, Notebook, ColorMapName, Scale, Contrast, Physical })
            {
                command.Add(option);
            }
        }

        public FastProcessing Read(ParseResult parse)
        {
            if (parse.GetValue(Notebook))
            {
                return FastProcessing.Notebook with { XPhase = parse.GetValue(Phase) };
            }

            FastChannels channels;
            try
            {
                channels = FastChannelsExtensions.Parse(parse.GetValue(Channels)!);
            }
            catch (Exception e) when (e is FormatException or ArgumentException)
            {
                throw new CliException(ExitCodes.Usage, e.Message);
            }

            FftFilterOptions? fft = null;
            if (parse.GetValue(Fft) is { } text)
            {
                try
                {
                    fft = FftFilterOptions.Parse(text);
                }
                catch (FormatException e)
                {
                    throw new CliException(ExitCodes.Usage, "--fft: " + e.Message);
                }
            }

            return new FastProcessing(channels, parse.GetValue(Phase), null, parse.GetValue(AutoPhase), fft,
                parse.GetValue(Creep), parse.GetValue(CreepParameter), parse.GetValue(Interpolate), parse.GetValue(Drift), parse.GetValue(DriftStep));
        }

        public ColorMap Map(ParseResult parse)
        {
            try
            {
                return ColorMap.FromName(parse.GetValue(ColorMapName)!);
            }
            catch (ArgumentException e)
            {
                throw new CliException(ExitCodes.Usage, e.Message);
            }
        }
    }

    private static Command Frames()
    {
        var file = FileArgument("A FAST movie (.h5).");
        var output = new Option<string>("--out", "-o") { Description = "Folder for the PNG frames (created).", Required = true };
        var first = new Option<int>("--first") { Description = "First frame.", DefaultValueFactory = _ => 0 };
        var count = new Option<int?>("--count") { Description = "Number of frames (default: all)." };
        var processing = ProcessingOptions.Create();
        var command = new Command("frames", "Write the frames of a FAST movie as PNG (colour map, scale bar), with the corrections asked for.") { file, output, first, count };
        processing.AddTo(command);
        command.SetAction((parse, ct) => Task.FromResult(Run(() =>
        {
            var path = Existing(parse.GetValue(file)!);
            using var fast = FastFile.Open(path);
            using var pipeline = FastPipeline.Open(fast, processing.Read(parse), ct);
            var from = parse.GetValue(first);
            var to = parse.GetValue(count) is { } n ? from + n : pipeline.FrameCount;
            if (from < 0 || from >= pipeline.FrameCount || to > pipeline.FrameCount || to <= from)
            {
                throw new CliException(ExitCodes.Usage, $"frames {from}..{to - 1} are outside the movie's 0..{pipeline.FrameCount - 1}");
            }

            var folder = Directory.CreateDirectory(parse.GetValue(output)!).FullName;
            var setup = Rendering(pipeline, processing, parse);
            var stem = Path.GetFileNameWithoutExtension(path);
            var written = 0;
            FastExport.WritePngFrames(pipeline, setup, from, to - from, (index, png) =>
            {
                var name = string.Create(CultureInfo.InvariantCulture, $"{stem}_{pipeline.Reader.Channels.ToDescriptor()}_{index:D5}.png");
                File.WriteAllBytes(Path.Combine(folder, name), png);
                written++;
            }, ct);
            Console.WriteLine($"{written} frames of {pipeline.Width} x {pipeline.Height} ({FastExport.Describe(pipeline)}) written to {folder}");
            return ExitCodes.Ok;
        })));
        return command;
    }

    private static Command Movie()
    {
        var file = FileArgument("A FAST movie (.h5).");
        var output = new Option<string>("--out", "-o") { Description = "The MP4 file to write.", Required = true };
        var speed = new Option<double>("--speed") { Description = "Playback speed relative to real time (pyfastspm's fps_factor).", DefaultValueFactory = _ => 1.0 };
        var processing = ProcessingOptions.Create();
        var command = new Command("movie", "Write a FAST movie as MP4 (H.264 through ffmpeg), with the corrections asked for.") { file, output, speed };
        processing.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            FastFile? fast = null;
            try
            {
                var path = Existing(parse.GetValue(file)!);
                fast = FastFile.Open(path);
                using var pipeline = FastPipeline.Open(fast, processing.Read(parse), ct);
                var setup = Rendering(pipeline, processing, parse);
                var target = Path.GetFullPath(parse.GetValue(output)!);
                var written = await FastExport.WriteMovieAsync(pipeline, setup, target, parse.GetValue(speed), cancellationToken: ct);
                Console.WriteLine($"{written} frames of {setup.Width + (setup.Width & 1)} x {setup.Height + (setup.Height & 1)} ({FastExport.Describe(pipeline)}) written to {target}");
                return ExitCodes.Ok;
            }
            catch (Exception e) when (Translate(e) is { } cli)
            {
                throw cli;
            }
            finally
            {
                fast?.Dispose();
            }
        });
        return command;
    }

    private static Command Export()
    {
        var file = FileArgument("A FAST .h5 (movie or image set) or a MATRIX image data file.");
        var format = new Option<string>("--format") { Description = "gwy (one file, a channel per frame/image) or gsf (one file per frame/image).", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "Folder to write into (created).", Required = true };
        var first = new Option<int>("--first") { Description = "First movie frame.", DefaultValueFactory = _ => 0 };
        var count = new Option<int>("--count") { Description = "Movie frames to export.", DefaultValueFactory = _ => 1 };
        var parameters = new Option<string?>("--parameters") { Description = "MATRIX parameter file (default: PREFIX_0001.mtrx beside the data file)." };
        var processing = ProcessingOptions.Create();
        var command = new Command("export", "Export frames or images to Gwyddion (.gwy, .gsf) in physical units.") { file, format, output, first, count, parameters };
        processing.AddTo(command);
        command.SetAction((parse, ct) => Task.FromResult(Run(() =>
        {
            var path = Existing(parse.GetValue(file)!);
            var kind = parse.GetValue(format)!.ToLowerInvariant();
            if (kind is not ("gwy" or "gsf"))
            {
                throw new CliException(ExitCodes.Usage, $"--format must be gwy or gsf, not '{kind}'");
            }

            var fields = IsMatrix(path)
                ? MatrixFields(path, parse.GetValue(parameters))
                : FastFields(path, processing.Read(parse), parse.GetValue(first), parse.GetValue(count), ct);
            var folder = Directory.CreateDirectory(parse.GetValue(output)!).FullName;
            var stem = Path.GetFileNameWithoutExtension(path);
            if (kind == "gwy")
            {
                var target = Path.Combine(folder, stem + ".gwy");
                GwyWriter.Write(target, fields);
                Console.WriteLine($"{fields.Count} channels written to {target}");
            }
            else
            {
                foreach (var field in fields)
                {
                    GsfWriter.Write(Path.Combine(folder, $"{stem}_{FastExport.SafeName(field.Title)}.gsf"), field);
                }

                Console.WriteLine($"{fields.Count} GSF files written to {folder}");
            }

            return ExitCodes.Ok;
        })));
        return command;
    }

    private static Command MatrixCommand()
    {
        var file = FileArgument("A MATRIX data file (*.Z_mtrx, *.I(V)_mtrx, ...).");
        var output = new Option<string>("--out", "-o") { Description = "Folder to write into (created).", Required = true };
        var parameters = new Option<string?>("--parameters") { Description = "Parameter file (default: PREFIX_0001.mtrx beside the data file)." };
        var command = new Command("matrix", "Convert an Omicron MATRIX data file: images to PNG (all scan directions), curves to CSV.") { file, output, parameters };
        command.SetAction(parse => Run(() =>
        {
            var path = Existing(parse.GetValue(file)!);
            var parameterFile = MatrixParameterFile.Read(ParameterPath(path, parse.GetValue(parameters)));
            var folder = Directory.CreateDirectory(parse.GetValue(output)!).FullName;
            var stem = Path.GetFileName(path);
            try
            {
                var images = MatrixFile.ReadImages(path, parameterFile);
                foreach (var image in images)
                {
                    File.WriteAllBytes(Path.Combine(folder, $"{stem}_{image.Direction}.png"), FastExport.ImagePng(image.Values, image.Columns, image.Rows, image.WidthMetres));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{image.Direction}: {image.Columns} x {image.Rows}, {image.WidthMetres * 1e9:G4} x {image.HeightMetres * 1e9:G4} nm, {image.Unit} from {image.Values.Where(double.IsFinite).Min():G4} to {image.Values.Where(double.IsFinite).Max():G4}"));
                }
            }
            catch (MatrixFormatException e) when (e.Message.Contains("not an image", StringComparison.Ordinal))
            {
                var curves = MatrixFile.ReadCurves(path, parameterFile);
                var csv = new StringBuilder();
                csv.Append(CultureInfo.InvariantCulture, $"{curves[0].XUnit}");
                foreach (var curve in curves)
                {
                    csv.Append(CultureInfo.InvariantCulture, $",{(curve.Reverse ? "reverse" : "forward")} ({curve.YUnit})");
                }

                csv.Append('\n');
                for (var i = 0; i < curves[0].X.Length; i++)
                {
                    csv.Append(curves[0].X[i].ToString("R", CultureInfo.InvariantCulture));
                    foreach (var curve in curves)
                    {
                        csv.Append(',').Append(curve.Y[i].ToString("R", CultureInfo.InvariantCulture));
                    }

                    csv.Append('\n');
                }

                var target = Path.Combine(folder, stem + ".csv");
                File.WriteAllText(target, csv.ToString());
                Console.WriteLine($"{curves.Count} curves of {curves[0].X.Length} points ({curves[0].XUnit} -> {curves[0].YUnit}) written to {target}");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command LogbookCommand()
    {
        var logbook = new Argument<string>("logbook") { Description = "The lab's plain-text logbook (docs/analysis/stm-logbook.md)." };
        var file = FileArgument("The HDF5 file to annotate (left unchanged).");
        var output = new Option<string>("--out", "-o") { Description = "The annotated copy to write.", Required = true };
        var entry = new Option<int?>("--entry") { Description = "Which entry (1 = first in the logbook; default: the last)." };
        var command = new Command("logbook", "Parse a logbook and write its entry as Logbook.* attributes into a copy of an HDF5 file.") { logbook, file, output, entry };
        command.SetAction(parse => Run(() =>
        {
            var text = File.ReadAllText(Existing(parse.GetValue(logbook)!));
            var entries = LogbookParser.Parse(text);
            if (entries.Count == 0)
            {
                throw new CliException(ExitCodes.General, "the logbook has no entries");
            }

            var index = parse.GetValue(entry) ?? entries.Count;
            if (index < 1 || index > entries.Count)
            {
                throw new CliException(ExitCodes.Usage, $"--entry {index}: the logbook has entries 1..{entries.Count}");
            }

            var chosen = entries[index - 1];
            var attributes = LogbookAttributes.From(chosen);
            var source = Existing(parse.GetValue(file)!);
            var target = Path.GetFullPath(parse.GetValue(output)!);
            if (string.Equals(Path.GetFullPath(source), target, StringComparison.Ordinal))
            {
                throw new CliException(ExitCodes.Usage, "the copy must be a different file than the original");
            }

            Hdf5AttributeCopier.CopyWithAttributes(source, target, attributes);
            Console.WriteLine($"entry {index} ({chosen.Date:yyyy-MM-dd}, {chosen.Sample}, {chosen.Steps.Count} steps): {attributes.Count} Logbook.* attributes written to {target}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static List<GwyField> FastFields(string path, FastProcessing processing, int first, int count, CancellationToken ct)
    {
        using var fast = FastFile.Open(path);
        if (fast.Kind == FastFileKind.ImageSet)
        {
            return FastExport.ImageSetFields(fast);
        }

        if (fast.Kind != FastFileKind.Movie)
        {
            throw new CliException(ExitCodes.General, $"'{Path.GetFileName(path)}' is an atom-tracking file: it has no images to export");
        }

        using var pipeline = FastPipeline.Open(fast, processing, ct);
        if (first < 0 || count < 1 || first + count > pipeline.FrameCount)
        {
            throw new CliException(ExitCodes.Usage, $"frames {first}..{first + count - 1} are outside the movie's 0..{pipeline.FrameCount - 1}");
        }

        return FastExport.Fields(pipeline, first, count, ct);
    }

    private static List<GwyField> MatrixFields(string path, string? parameters) =>
        FastExport.MatrixFields(path, MatrixParameterFile.Read(ParameterPath(path, parameters)));

    private static FastRenderSetup Rendering(FastPipeline pipeline, ProcessingOptions processing, ParseResult parse)
    {
        var scale = parse.GetValue(processing.Scale);
        var contrast = parse.GetValue(processing.Contrast);
        if (scale < 1 || scale > 16)
        {
            throw new CliException(ExitCodes.Usage, "--scale must be 1..16");
        }

        if (!(contrast > 0 && contrast <= 1))
        {
            throw new CliException(ExitCodes.Usage, "--contrast must be in (0, 1]");
        }

        processing.Map(parse);
        if (parse.GetValue(processing.Physical) && pipeline.Reader.Metadata.Signal is null)
        {
            throw new CliException(ExitCodes.General, "--physical: the file has no SignalIn.InputRange (or uses a log amplifier): no calibration to counts");
        }

        return FastExport.Prepare(pipeline, new FastRendering(parse.GetValue(processing.ColorMapName)!, scale, contrast, parse.GetValue(processing.Physical)));
    }

    private static Argument<string> FileArgument(string description) => new("file") { Description = description };

    private static string Existing(string path) =>
        File.Exists(path) ? path : throw new CliException(ExitCodes.General, $"{path}: no such file");

    private static bool IsMatrix(string path)
    {
        Span<byte> head = stackalloc byte[12];
        using var stream = File.OpenRead(path);
        var read = stream.ReadAtLeast(head, 12, throwOnEndOfStream: false);
        return head[..read].SequenceEqual("ONTMATRX0101"u8);
    }

    private static string ParameterPath(string dataPath, string? given) =>
        given is not null ? Existing(given)
        : StmFiles.FindMatrixParameterFile(dataPath) ?? throw new CliException(ExitCodes.General, $"{Path.GetFileName(dataPath)}: no parameter file (PREFIX_0001.mtrx) beside it; give --parameters");

    private static int Run(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (Translate(e) is { } cli)
        {
            throw cli;
        }
    }

    // library errors become one-line CLI errors: bad input files exit 1, bad options exit 2
    private static CliException? Translate(Exception e) => e switch
    {
        CliException => null,
        FastFormatException or MatrixFormatException or NotSupportedException or InvalidDataException or FormatException
            => new CliException(ExitCodes.General, e.Message.ReplaceLineEndings(" "), e),
        LogbookFormatException l => new CliException(ExitCodes.General, "logbook " + l.Message.ReplaceLineEndings(" "), e),
        FileNotFoundException f => new CliException(ExitCodes.General, f.Message.ReplaceLineEndings(" "), e),
        ArgumentException or InvalidOperationException => new CliException(ExitCodes.General, e.Message.ReplaceLineEndings(" "), e),
        _ => null,
    };
}
