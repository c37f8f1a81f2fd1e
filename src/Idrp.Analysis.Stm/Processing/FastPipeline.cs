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
/// Streams the processed frames of a FAST movie in batches of whole images: memory is one batch plus the drift
/// estimator's window, whatever the movie length. Setting up reads the first three images (phase, creep) and, with
/// drift correction, the whole movie once (the path must be known before the first frame can be placed).
/// Not thread safe (it reads through the file); the work inside a batch uses all cores.
/// </summary>
public sealed class FastPipeline
{
    private readonly FastMovieReader _reader;
    private readonly GridInterpolation? _interpolation;
    private readonly DriftPath? _drift;

    private FastPipeline(FastMovieReader reader, GridInterpolation? interpolation, DriftPath? drift, CreepGrid? creep)
    {
        _reader = reader;
        _interpolation = interpolation;
        _drift = drift;
        Creep = creep;
    }

    /// <summary>The reader underneath (phase, channels, metadata).</summary>
    public FastMovieReader Reader => _reader;

    /// <summary>The fitted creep grid, or null.</summary>
    public CreepGrid? Creep { get; }

    /// <summary>The drift path, or null.</summary>
    public DriftPath? Drift => _drift;

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
    public static FastPipeline Open(FastFile file, FastProcessing options, CancellationToken cancellationToken = default, Action<int>? framesDone = null)
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
        var copy = ArrayPool<float>.Shared.Rent(16 * reader.FramesPerImage * reader.FrameSize);
        try
        {
            pipeline.ForEachBatch(16, (first, frames) =>
            {
                frames.CopyTo(copy);
                estimator.AddBatch(copy, frames.Length / reader.FrameSize);
                framesDone?.Invoke(first + (frames.Length / reader.FrameSize));
            }, cancellationToken);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(copy);
        }

        return new FastPipeline(reader, interpolation, estimator.Finish(), creep);
    }

    /// <summary>Streams the processed frames (Height x Width each, row-major) batch by batch.</summary>
    public void ForEachBatch(int imagesPerBatch, FrameBatchAction onBatch, CancellationToken cancellationToken = default) =>
        ForEachBatch(imagesPerBatch, 0, _reader.ImageCount, onBatch, cancellationToken);

    /// <summary>As <see cref="ForEachBatch(int, FrameBatchAction, CancellationToken)"/>, for images <paramref name="firstImage"/> .. + <paramref name="imageCount"/> - 1 only.</summary>
    public void ForEachBatch(int imagesPerBatch, int firstImage, int imageCount, FrameBatchAction onBatch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onBatch);
        var inputSize = _reader.FrameSize;
        var drift = _drift;
        var output = drift is null ? null : ArrayPool<float>.Shared.Rent(imagesPerBatch * _reader.FramesPerImage * drift.OutputRows * drift.OutputColumns);
        var scratch = ArrayPool<float>.Shared.Rent(imagesPerBatch * _reader.FramesPerImage * inputSize);
        try
        {
            _reader.ForEachBatch(imagesPerBatch, firstImage, imageCount, (firstFrame, frames) =>
            {
                var count = frames.Length / inputSize;
                if (_interpolation is not null)
                {
                    frames.CopyTo(scratch);
                    _interpolation.ApplyBatch(scratch, count, firstFrame);
                    scratch.AsSpan(0, frames.Length).CopyTo(frames);
                }

                if (drift is null)
                {
                    onBatch(firstFrame, frames);
                    return;
                }

                frames.CopyTo(scratch);
                var outputSize = drift.OutputRows * drift.OutputColumns;
                Parallel.For(0, count, f => drift.Apply(scratch.AsSpan(f * inputSize, inputSize), firstFrame + f, output.AsSpan(f * outputSize, outputSize)));
                onBatch(firstFrame, output.AsSpan(0, count * outputSize));
            }, cancellationToken);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
            if (output is not null)
            {
                ArrayPool<float>.Shared.Return(output);
            }
        }
    }
}
