using System.Globalization;
using System.Text.Json.Nodes;
using Idrp.Analysis.Stm.Export;
using Idrp.Analysis.Stm.Fast;
using Idrp.Analysis.Stm.Gwyddion;
using Idrp.Analysis.Stm.Processing;
using Idrp.Domain.Jobs;

namespace Idrp.Server.Features.Stm;

/// <summary>
/// <c>stm.movie</c>: for every FAST movie (.h5) among the inputs, the corrected MP4, PNG frames and Gwyddion files
/// (.gwy, .gsf), written under <c>stm/&lt;file stem&gt;/</c> and derived from the movie. Frames are streamed (memory
/// does not grow with the movie); progress is reported per frame; cancelling stops at the next batch of frames.
/// Inputs that are not FAST movies are skipped and named in the log.
/// </summary>
internal sealed class StmMovieJobType : JobType<StmMovieParameters>
{
    /// <summary>The folder outputs go to, below which each movie gets a folder named after its file.</summary>
    public const string Folder = "stm";

    public override string Name => "stm.movie";

    public override string Version => "1";

    public override string Description => "Correct FAST STM movies (phase, FFT filter, creep, interpolation, drift) and write MP4, PNG frames and Gwyddion files.";

    protected override async Task RunAsync(IJobContext context, StmMovieParameters parameters, CancellationToken cancellationToken)
    {
        FastProcessing processing;
        try
        {
            processing = parameters.Processing();
        }
        catch (FormatException e)
        {
            throw new JobFailedException("fft: " + e.Message);
        }

        var candidates = context.Inputs.Where(i => i.Name.EndsWith(".h5", StringComparison.OrdinalIgnoreCase) || i.Name.EndsWith(".hdf5", StringComparison.OrdinalIgnoreCase)).ToList();
        foreach (var other in context.Inputs.Except(candidates))
        {
            context.Log($"{other.Path}: not an HDF5 file, skipped.");
        }

        var results = new JsonArray();
        for (var i = 0; i < candidates.Count; i++)
        {
            var input = candidates[i];
            var folder = await context.MaterializeInputsAsync([input], cancellationToken);
            var path = Path.Combine(folder, input.Path);
            FastFile file;
            try
            {
                file = FastFile.Open(path);
            }
            catch (Exception e) when (e is FastFormatException or InvalidDataException or NotSupportedException or FormatException)
            {
                context.Log($"{input.Path}: not a FAST file ({e.Message}), skipped.", JobLogLevel.Warning);
                continue;
            }

            using (file)
            {
                if (file.Kind != FastFileKind.Movie)
                {
                    context.Log($"{input.Path}: a FAST {file.Kind} file, not a movie, skipped (stm.export converts image sets).");
                    continue;
                }

                var progress = new Progress(context, i, candidates.Count, input.Name);
                results.Add(await ConvertAsync(context, input, file, processing, parameters, progress, cancellationToken));
            }
        }

        if (results.Count == 0)
        {
            throw new JobFailedException("None of the inputs is a FAST movie (.h5 with a /data stream).");
        }

        context.SetResult(new JsonObject { ["movies"] = results });
        context.ReportProgress(1, $"{results.Count} movie(s) converted");
    }

    private static async Task<JsonObject> ConvertAsync(IJobContext context, JobInputAsset input, FastFile file, FastProcessing processing,
        StmMovieParameters parameters, Progress progress, CancellationToken cancellationToken)
    {
        var frames = file.OpenMovie(processing.Channels).FrameCount;
        var pngFirst = Math.Min(parameters.PngFirst, frames);
        var pngCount = Math.Min(parameters.PngCount, frames - pngFirst);
        var exportFirst = Math.Min(parameters.ExportFirst, frames - 1);
        var exportCount = parameters.Gwy || parameters.Gsf ? Math.Min(parameters.ExportCount, frames - exportFirst) : 0;
        progress.Plan((processing.Drift ? frames : 0) + (parameters.Mp4 ? frames : 0) + pngCount + exportCount);

        FastPipeline? opened = null;
        FastRenderSetup setup;
        try
        {
            opened = FastPipeline.Open(file, processing, cancellationToken, done => progress.Frames(done, "drift estimate"));
            setup = FastExport.Prepare(opened, parameters.Rendering());
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            opened?.Dispose();
            throw new JobFailedException($"{input.Path}: {e.Message}");
        }

        using var pipeline = opened;

        progress.StageDone();
        var stem = Path.GetFileNameWithoutExtension(input.Name);
        var target = input.RelativePath.Length == 0 ? $"{Folder}/{stem}" : $"{Folder}/{input.RelativePath}/{stem}";
        var outputs = new JsonArray();
        async Task AddAsync(string name, Stream content, string mediaType)
        {
            await context.AddOutputAsync(name, content, mediaType, [input], target, cancellationToken);
            outputs.Add(name);
        }

        var descriptor = pipeline.Reader.Channels.ToDescriptor();
        if (parameters.Mp4)
        {
            var mp4 = Path.Combine(context.WorkDirectory, stem + ".mp4");
            await FastExport.WriteMovieAsync(pipeline, setup, mp4, parameters.Speed, done => progress.Frames(done, "MP4"), cancellationToken);
            await using var stream = File.OpenRead(mp4);
            await AddAsync($"{stem}_{descriptor}.mp4", stream, "video/mp4");
            progress.StageDone();
        }

        if (pngCount > 0)
        {
            var pngs = new List<(int Index, byte[] Png)>();
            FastExport.WritePngFrames(pipeline, setup, pngFirst, pngCount, (index, png) =>
            {
                pngs.Add((index, png));
                progress.Frames(pngs.Count, "PNG frames");
            }, cancellationToken);
            foreach (var (index, png) in pngs)
            {
                using var stream = new MemoryStream(png);
                await AddAsync(string.Create(CultureInfo.InvariantCulture, $"{stem}_{descriptor}_{index:D5}.png"), stream, "image/png");
            }

            progress.StageDone();
        }

        if (exportCount > 0)
        {
            var fields = FastExport.Fields(pipeline, exportFirst, exportCount, cancellationToken);
            progress.Frames(fields.Count, "Gwyddion fields");
            if (parameters.Gwy)
            {
                var gwy = Path.Combine(context.WorkDirectory, stem + ".gwy");
                GwyWriter.Write(gwy, fields);
                await using var stream = File.OpenRead(gwy);
                await AddAsync(stem + ".gwy", stream, "application/x-gwyddion");
            }

            if (parameters.Gsf)
            {
                foreach (var field in fields)
                {
                    using var stream = new MemoryStream();
                    GsfWriter.Write(stream, field);
                    stream.Position = 0;
                    await AddAsync($"{stem}_{FastExport.SafeName(field.Title)}.gsf", stream, "application/x-gwyddion-gsf");
                }
            }
        }

        return new JsonObject
        {
            ["input"] = input.Path,
            ["frames"] = pipeline.FrameCount,
            ["frameSize"] = $"{pipeline.Width} x {pipeline.Height}",
            ["processing"] = FastExport.Describe(pipeline),
            ["folder"] = target,
            ["outputs"] = outputs,
        };
    }

    // progress over all inputs: each input an equal share, inside it frames of all passes
    private sealed class Progress(IJobContext context, int index, int inputs, string name)
    {
        private int _total = 1;
        private int _finished;
        private int _last;

        public void Plan(int frames) => _total = Math.Max(1, frames);

        public void Frames(int done, string stage)
        {
            var fraction = (index + Math.Min(1.0, (_finished + done) / (double)_total)) / inputs;
            context.ReportProgress(fraction, $"{name}: {stage}, frame {done}");
            _last = done;
        }

        public void StageDone()
        {
            _finished += _last;
            _last = 0;
        }
    }
}
