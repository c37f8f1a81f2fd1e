using System.Buffers;
using Idrp.Analysis.Stm.Fast;

namespace Idrp.Analysis.Stm.Processing;

/// <summary>Which corrections <see cref="FastPipeline"/> applies, in pyfastspm's order: phase, FFT filter, reshape, creep + interpolation, drift.</summary>
/// <param name="Channels">Frames to recover.</param>
/// <param name="XPhase">x phase in samples; null = the file's (or detected with <paramref name="AutoPhase"/>).</param>
/// <param name="YPhase">y phase in line pairs; null = the file's (0 with <paramref name="AutoPhase"/>, as pyfastspm's notebook).</param>
/// <param name="AutoPhase">Detect the x phase from frame 0 (<see cref="PhaseDetection"/>); <paramref name="XPhase"/> is then added as a manual offset.</param>
/// <param name="Fft">FFT filter of periodic noise; null = none.</param>
/// <param name="Creep">Fit the "sin" creep model (<see cref="CreepCorrection"/>, up-down channels); implies <paramref name="Interpolate"/>.</param>
/// <param name="CreepParameter">Known creep parameter (skips the fit).</param>
/// <param name="Interpolate">Interpolate to the regular grid (<see cref="GridInterpolation"/>).</param>
/// <param name="Drift">Drift correction (<see cref="DriftEstimator"/>; a first pass over the movie).</param>
/// <param name="DriftStep">Frames between correlated pairs.</param>
public sealed record FastProcessing(
    FastChannels Channels = FastChannels.UpDownForward,
    int? XPhase = null,
    int? YPhase = null,
    bool AutoPhase = false,
    FftFilterOptions? Fft = null,
    bool Creep = false,
    double? CreepParameter = null,
    bool Interpolate = false,
    bool Drift = false,
    int DriftStep = 10)
{
    /// <summary>pyfastspm's converter notebook: auto phase, all FFT filters with pumps at 1500 and 1000 Hz, udi, sin creep, interpolation, drift with step 10.</summary>
    public static FastProcessing Notebook { get; } = new(FastChannels.UpDownInterlaced, AutoPhase: true, Fft: FftFilterOptions.Notebook, Creep: true, Interpolate: true, Drift: true);
}

/// <summary>
/// Streams the processed frames of a FAST movie: images are read and corrected in batches, and handed on in groups
/// of at most <see cref="FramesPerCall"/> frames (whole images), so memory is one read batch, one group of output
/// frames and the drift estimator's window, whatever the movie length. (Drift-corrected frames are the canvas of
/// the whole drift path, which can be many times a frame: a group, not a batch, of them is held.) Setting up reads
/// the first three images (phase, creep) and, with drift correction, the whole movie once (the path must be known
/// before the first frame can be placed). That drift pass keeps the corrected frames in a temporary file
/// (<see cref="FrameStore"/>: in the file system's cache, not in the process) from which the frames are then read
/// back instead of being corrected a second time; without room for it they are recomputed. Dispose the pipeline to
/// free that file. Not thread safe (it reads through the file); the work inside a batch uses all cores.
/// </summary>
public sealed class FastPipeline : IDisposable
{
    private readonly FastMovieReader _reader;
    private readonly GridInterpolation? _interpolation;
    private readonly DriftPath? _drift;
    private readonly FrameStore? _store;

    private FastPipeline(FastMovieReader reader, GridInterpolation? interpolation, DriftPath? drift, CreepGrid? creep, FrameStore? store = null)
    {
        _reader = reader;
        _interpolation = interpolation;
        _drift = drift;
        _store = store;
        Creep = creep;
        // two frames per core keep every core busy while rendering; whole images, at most 16 frames
        var perImage = reader.FramesPerImage;
        FramesPerCall = Math.Max(perImage, Math.Clamp(2 * Environment.ProcessorCount, 4, 16) / perImage * perImage);
    }

    /// <summary>The most frames one call of a <see cref="FrameBatchAction"/> receives (whole images; independent of the movie length).</summary>
    public int FramesPerCall { get; }

    /// <summary>The reader underneath (phase, channels, metadata).</summary>
    public FastMovieReader Reader => _reader;

    /// <summary>The fitted creep grid, or null.</summary>
    public CreepGrid? Creep { get; }

    /// <summary>The drift path, or null.</summary>
    public DriftPath? Drift => _drift;

    /// <summary>Whether the corrected frames of the drift pass are read back from a temporary file (see the class remarks).</summary>
    public bool KeepsCorrectedFrames => _store is not null;

    /// <summary>Output frame width.</summary>
    public int Width => _drift?.OutputColumns ?? _reader.Width;

    /// <summary>Output frame height.</summary>
    public int Height => _drift?.OutputRows ?? _reader.Height;

    /// <summary>Values per output frame.</summary>
    public int FrameSize => Width * Height;

    /// <summary>Frames in the movie.</summary>
    public int FrameCount => _reader.FrameCount;

    /// <summary>Frames per image.</summary>
    public int FramesPerImage => _reader.FramesPerImage;

    /// <summary>Width of one output pixel in nm (scan width / frame width before drift enlargement), or null without calibration.</summary>
    public double? PixelWidthNm => _reader.Metadata.WidthNm is { } w
        ? w / (_drift is null ? _reader.Width : _drift.FrameColumns)
        : null;

    /// <summary>Sets the pipeline up (phase detection, creep fit, drift pass).</summary>
    /// <exception cref="ArgumentException">Creep correction on a single-direction channel set, or a movie too short for it.</exception>
    /// <param name="file">An open FAST movie.</param>
    /// <param name="options">The corrections.</param>
    /// <param name="cancellationToken">Stops the drift pass between batches.</param>
    /// <param name="framesDone">Told the number of frames the drift pass has seen, after each batch.</param>
    public static FastPipeline Open(FastFile file, FastProcessing options, CancellationToken cancellationToken = default, Action<int>? framesDone = null) =>
        Open(file, options, keepCorrectedFrames: true, cancellationToken, framesDone);

    /// <summary>As <see cref="Open(FastFile, FastProcessing, CancellationToken, Action{int})"/>; <paramref name="keepCorrectedFrames"/> false = the second pass recomputes every frame.</summary>
    internal static FastPipeline Open(FastFile file, FastProcessing options, bool keepCorrectedFrames, CancellationToken cancellationToken = default, Action<int>? framesDone = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(options);
        int xPhase, yPhase;
        if (options.AutoPhase)
        {
            yPhase = options.YPhase ?? 0;
            xPhase = PhaseDetection.DetectXPhase(file, 0, options.XPhase ?? 0, yPhase);
        }
        else
        {
            xPhase = options.XPhase ?? file.Metadata.XPhase;
            yPhase = options.YPhase ?? file.Metadata.YPhase;
        }

        var reader = file.OpenMovie(options.Channels, xPhase, yPhase, options.Fft);
        CreepGrid? creep = null;
        if (options.Creep || options.CreepParameter is not null)
        {
            var images = Math.Min(3, reader.ImageCount);
            var head = new float[images * reader.FramesPerImage * reader.FrameSize];
            reader.ReadFrames(0, images, head);
            creep = CreepCorrection.Fit(head, reader.Channels, reader.Height, reader.Width, knownParameter: options.CreepParameter);
        }

        var interpolation = options.Interpolate || creep is not null
            ? GridInterpolation.Create(reader.Channels, reader.Height, reader.Width, creep)
            : null;
        var pipeline = new FastPipeline(reader, interpolation, null, creep);
        if (!options.Drift)
        {
            return pipeline;
        }

        var interlaced = options.Channels is FastChannels.UpInterlaced or FastChannels.DownInterlaced or FastChannels.UpDownInterlaced;
        var estimator = new DriftEstimator(reader.Height, reader.Width, interlaced, options.DriftStep);
        var store = keepCorrectedFrames ? FrameStore.TryCreate(reader.FrameSize, reader.FrameCount) : null;
        var copy = ArrayPool<float>.Shared.Rent(pipeline.FramesPerCall * reader.FrameSize);
        try
        {
            pipeline.ForEachCorrectedBatch(16, 0, reader.ImageCount, (first, frames) =>
            {
                try
                {
                    store?.Write(first, frames);
                }
                catch (IOException)
                {
                    // the disk filled up under us: pass 2 recomputes the frames instead
                    store?.Dispose();
                    store = null;
                }

                frames.CopyTo(copy);
                estimator.AddBatch(copy, frames.Length / reader.FrameSize);
                framesDone?.Invoke(first + (frames.Length / reader.FrameSize));
            }, cancellationToken);
            return new FastPipeline(reader, interpolation, estimator.Finish(), creep, store);
        }
        catch
        {
            store?.Dispose();
            throw;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(copy);
        }
    }

    /// <summary>
    /// Streams the processed frames (Height x Width each, row-major) in order, reading <paramref name="imagesPerBatch"/>
    /// images at a time and handing them on in groups of at most <see cref="FramesPerCall"/> frames.
    /// </summary>
    public void ForEachBatch(int imagesPerBatch, FrameBatchAction onBatch, CancellationToken cancellationToken = default) =>
        ForEachBatch(imagesPerBatch, 0, _reader.ImageCount, onBatch, cancellationToken);

    /// <summary>As <see cref="ForEachBatch(int, FrameBatchAction, CancellationToken)"/>, for images <paramref name="firstImage"/> .. + <paramref name="imageCount"/> - 1 only.</summary>
    public void ForEachBatch(int imagesPerBatch, int firstImage, int imageCount, FrameBatchAction onBatch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onBatch);
        var drift = _drift;
        if (drift is null)
        {
            ForEachCorrectedBatch(imagesPerBatch, firstImage, imageCount, onBatch, cancellationToken);
            return;
        }

        var inputSize = _reader.FrameSize;
        var outputSize = drift.OutputRows * drift.OutputColumns;
        var output = ArrayPool<float>.Shared.Rent(FramesPerCall * outputSize);
        var scratch = ArrayPool<float>.Shared.Rent(FramesPerCall * inputSize);
        try
        {
            ForEachCorrectedBatch(imagesPerBatch, firstImage, imageCount, (firstFrame, frames) =>
            {
                var n = frames.Length / inputSize;
                frames.CopyTo(scratch);
                Parallel.For(0, n, f => drift.Apply(scratch.AsSpan(f * inputSize, inputSize), firstFrame + f, output.AsSpan(f * outputSize, outputSize)));
                onBatch(firstFrame, output.AsSpan(0, n * outputSize));
            }, cancellationToken);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
            ArrayPool<float>.Shared.Return(output);
        }
    }

    /// <summary>
    /// Streams the frames corrected up to, not including, the drift placement (<see cref="Reader"/>'s Height x Width
    /// each): phase, FFT filter, creep and interpolation as set up, in groups of at most <see cref="FramesPerCall"/>
    /// frames. <paramref name="imagesPerBatch"/> images are read at a time, more with the FFT filter
    /// (<see cref="FastMovieReader.ImagesPerBatch"/>); after a drift pass the frames come from its temporary file. With <see cref="Drift"/>'s <see cref="DriftPath.Enlarge"/> and <see cref="DriftPath.Position"/> they
    /// give the drift-corrected frames without the canvas around them.
    /// </summary>
    public void ForEachCorrectedBatch(int imagesPerBatch, int firstImage, int imageCount, FrameBatchAction onBatch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onBatch);
        ArgumentOutOfRangeException.ThrowIfLessThan(imagesPerBatch, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(firstImage);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(firstImage + imageCount, _reader.ImageCount, nameof(imageCount));
        var inputSize = _reader.FrameSize;
        var group = FramesPerCall;
        if (_store is { } store)
        {
            var buffer = ArrayPool<float>.Shared.Rent(group * inputSize);
            try
            {
                var end = (firstImage + imageCount) * FramesPerImage;
                for (var frame = firstImage * FramesPerImage; frame < end; frame += group)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var frames = buffer.AsSpan(0, Math.Min(group, end - frame) * inputSize);
                    store.Read(frame, frames);
                    onBatch(frame, frames);
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(buffer);
            }

            return;
        }

        imagesPerBatch = _reader.ImagesPerBatch(imagesPerBatch);
        var scratch = _interpolation is null ? null : ArrayPool<float>.Shared.Rent(imagesPerBatch * _reader.FramesPerImage * inputSize);
        try
        {
            _reader.ForEachBatch(imagesPerBatch, firstImage, imageCount, (firstFrame, frames) =>
            {
                var count = frames.Length / inputSize;
                if (_interpolation is not null)
                {
                    frames.CopyTo(scratch);
                    _interpolation.ApplyBatch(scratch!, count, firstFrame);
                    scratch.AsSpan(0, frames.Length).CopyTo(frames);
                }

                for (var start = 0; start < count; start += group)
                {
                    var n = Math.Min(group, count - start);
                    onBatch(firstFrame + start, frames.Slice(start * inputSize, n * inputSize));
                }
            }, cancellationToken);
        }
        finally
        {
            if (scratch is not null)
            {
                ArrayPool<float>.Shared.Return(scratch);
            }
        }
    }

    /// <summary>Deletes the temporary file of the corrected frames, if any.</summary>
    public void Dispose() => _store?.Dispose();
}
