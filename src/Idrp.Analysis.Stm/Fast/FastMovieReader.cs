using System.Buffers;
using Idrp.Analysis.Stm.Processing;
using PureHDF;

namespace Idrp.Analysis.Stm.Fast;

/// <summary>
/// Streams the frames of a FAST movie one image (slow period) at a time: memory is a few images whatever the
/// movie length. Frame order, orientation and values equal pyfastspm 1.0.4's <c>reshape_to_movie</c> after
/// <c>FastMovie(x_phase, y_phase)</c>: the stream is rotated by <c>x_phase + 2 * X_Points * y_phase</c>
/// samples (numpy's <c>roll</c>), images are consecutive blocks of <c>4 * X_Points * Y_Points</c> samples,
/// and trailing samples that do not fill an image are ignored. Not thread safe (it reads through the file).
/// </summary>
public sealed class FastMovieReader
{
    private readonly IH5Dataset _data;
    private readonly long _shift;

    internal FastMovieReader(IH5Dataset data, FastMetadata metadata, FastChannels channels, int xPhase, int yPhase, FftFilterOptions? fft = null)
    {
        _data = data;
        Metadata = metadata;
        Channels = channels;
        XPhase = xPhase;
        YPhase = yPhase;
        Width = metadata.XPoints;
        YPoints = metadata.YPoints;
        SampleCount = checked((long)data.Space.Dimensions[0]);
        ImageCount = (int)(SampleCount / FastReshape.SamplesPerImage(Width, YPoints));
        if (ImageCount == 0)
        {
            throw new FastFormatException($"The stream holds {SampleCount} samples, fewer than one image of {FastReshape.SamplesPerImage(Width, YPoints)}.");
        }

        var shift = (xPhase + 2L * Width * yPhase) % SampleCount;
        _shift = shift < 0 ? shift + SampleCount : shift;
        Filter = fft is null ? null : FftFilter.Create(fft, metadata, SampleCount);
    }

    /// <summary>The FFT filter applied to the stream before reshaping, or null.</summary>
    public FftFilter? Filter { get; }

    /// <summary>The file's attributes.</summary>
    public FastMetadata Metadata { get; }

    /// <summary>The channels this reader produces.</summary>
    public FastChannels Channels { get; }

    /// <summary>Applied phase shift in samples.</summary>
    public int XPhase { get; }

    /// <summary>Applied phase shift in line pairs.</summary>
    public int YPhase { get; }

    /// <summary>Samples in the <c>/data</c> stream.</summary>
    public long SampleCount { get; }

    /// <summary>Complete images in the stream (may differ from <c>Acquisition.NumImages</c>).</summary>
    public int ImageCount { get; }

    /// <summary>Frame width in pixels (<c>X_Points</c>).</summary>
    public int Width { get; }

    /// <summary>Lines per direction (<c>Y_Points</c>).</summary>
    public int YPoints { get; }

    /// <summary>Frame height in pixels: <c>Y_Points</c>, or twice that for interlaced channels.</summary>
    public int Height => Channels.FrameRows(YPoints);

    /// <summary>Values per frame.</summary>
    public int FrameSize => Width * Height;

    /// <summary>Frames per image: 2 for up-down channels, else 1.</summary>
    public int FramesPerImage => Channels.FramesPerImage();

    /// <summary>Frames in the movie.</summary>
    public int FrameCount => ImageCount * FramesPerImage;

    /// <summary>Frames per second of real time, as pyfastspm: <c>Y_Frequency</c> x frames per image.</summary>
    public double FramesPerSecond => Metadata.YFrequencyHz * FramesPerImage;

    /// <summary>Reads the phase-shifted samples of image <paramref name="image"/> (<c>4 * X_Points * Y_Points</c> values).</summary>
    public void ReadImageSamples(int image, Span<float> destination) => ReadImagesSamples(image, 1, destination);

    /// <summary>Reads the phase-shifted samples of <paramref name="count"/> consecutive images in as few HDF5 reads as possible.</summary>
    public void ReadImagesSamples(int image, int count, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var length = FastReshape.SamplesPerImage(Width, YPoints) * count;
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, length, nameof(destination));
        ThroughPooledArray(length, destination, samples => ReadImagesSamples(image, count, samples));
    }

    // as the public overload, into the start of an array (the FFT filter writes its blocks straight into it)
    private void ReadImagesSamples(int image, int count, float[] destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(image + count, ImageCount, nameof(count));
        var length = FastReshape.SamplesPerImage(Width, YPoints) * count;
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, length, nameof(destination));

        var position = (long)image * FastReshape.SamplesPerImage(Width, YPoints);
        if (Filter is null)
        {
            ReadRolled(position, destination.AsSpan(0, length));
            return;
        }

        var context = Filter.Context;
        var withContext = ArrayPool<float>.Shared.Rent(length + 2 * context);
        try
        {
            ReadRolled(position - context, withContext.AsSpan(0, length + 2 * context));
            Filter.Apply(withContext, length + 2 * context, destination);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(withContext);
        }
    }

    /// <summary>
    /// Reads samples of the phase-rolled stream from <paramref name="position"/> on, wrapping around its ends as
    /// numpy's <c>roll</c> and the circular FFT do: rolled[i] = raw[(i - shift) mod N].
    /// </summary>
    public void ReadRolled(long position, Span<float> destination)
    {
        var start = ((position - _shift) % SampleCount + SampleCount) % SampleCount;
        while (!destination.IsEmpty)
        {
            var part = (int)Math.Min(destination.Length, SampleCount - start);
            FastStream.ReadConverted(_data, start, destination[..part]);
            destination = destination[part..];
            start = 0;
        }
    }

    /// <summary>
    /// Reads the frames of images <paramref name="firstImage"/> .. <c>firstImage + imageCount - 1</c>.
    /// Reading is sequential; reshaping runs in parallel over images.
    /// </summary>
    /// <param name="frames">Receives <c>imageCount * FramesPerImage * FrameSize</c> values, frame after frame.</param>
    public void ReadFrames(int firstImage, int imageCount, Span<float> frames)
    {
        var values = imageCount * FramesPerImage * FrameSize;
        ArgumentOutOfRangeException.ThrowIfLessThan(frames.Length, values, nameof(frames));
        ThroughPooledArray(values, frames, output => ReadFrames(firstImage, imageCount, output));
    }

    /// <summary>
    /// The span overloads of the readers that write into the start of an array: <paramref name="fill"/> writes the first
    /// <paramref name="length"/> values of a pooled array, which are then copied to <paramref name="destination"/>.
    /// </summary>
    private static void ThroughPooledArray(int length, Span<float> destination, Action<float[]> fill)
    {
        var array = ArrayPool<float>.Shared.Rent(Math.Max(1, length));
        try
        {
            fill(array);
            array.AsSpan(0, length).CopyTo(destination);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(array);
        }
    }

    // as the public overload, reshaping straight into the start of an array
    private void ReadFrames(int firstImage, int imageCount, float[] frames)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstImage);
        ArgumentOutOfRangeException.ThrowIfNegative(imageCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(firstImage + imageCount, ImageCount, nameof(imageCount));
        var samplesPerImage = FastReshape.SamplesPerImage(Width, YPoints);
        var valuesPerImage = FramesPerImage * FrameSize;
        ArgumentOutOfRangeException.ThrowIfLessThan(frames.Length, imageCount * valuesPerImage, nameof(frames));
        if (imageCount == 0)
        {
            return;
        }

        var samples = ArrayPool<float>.Shared.Rent(imageCount * samplesPerImage);
        try
        {
            // one contiguous read for the whole batch: chunked, compressed streams decode each chunk once
            ReadImagesSamples(firstImage, imageCount, samples);

            var channels = Channels;
            var nx = Width;
            var ny = YPoints;
            Parallel.For(0, imageCount, i => FastReshape.ReshapeImage<float>(
                samples.AsSpan(i * samplesPerImage, samplesPerImage), channels, nx, ny, frames.AsSpan(i * valuesPerImage, valuesPerImage)));
        }
        finally
        {
            ArrayPool<float>.Shared.Return(samples);
        }
    }

    /// <summary>
    /// Images per batch worth reading at a time when <paramref name="requested"/> are asked for: with the FFT filter,
    /// enough to fill two of its blocks per core (a block pair is one FFT, the pairs run in parallel; a batch of fewer
    /// images leaves cores idle and blocks part empty), at most 16 Mi samples; otherwise <paramref name="requested"/>.
    /// </summary>
    public int ImagesPerBatch(int requested)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(requested, 1);
        if (Filter is null)
        {
            return requested;
        }

        var samplesPerImage = (long)FastReshape.SamplesPerImage(Width, YPoints);
        var filling = 2L * Environment.ProcessorCount * Filter.SamplesPerBlock / samplesPerImage;
        return (int)Math.Max(requested, Math.Min(filling, (16L << 20) / samplesPerImage));
    }

    /// <summary>
    /// Streams the movie in batches of whole images: each batch is handed to <paramref name="onBatch"/> with its
    /// first frame index and its frames, then the buffer is reused. Memory is one batch.
    /// </summary>
    public void ForEachBatch(int imagesPerBatch, FrameBatchAction onBatch, CancellationToken cancellationToken = default) =>
        ForEachBatch(imagesPerBatch, 0, ImageCount, onBatch, cancellationToken);

    /// <summary>As <see cref="ForEachBatch(int, FrameBatchAction, CancellationToken)"/>, for images <paramref name="firstImage"/> .. + <paramref name="imageCount"/> - 1 only.</summary>
    public void ForEachBatch(int imagesPerBatch, int firstImage, int imageCount, FrameBatchAction onBatch, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(imagesPerBatch, 1);
        ArgumentNullException.ThrowIfNull(onBatch);
        ArgumentOutOfRangeException.ThrowIfNegative(firstImage);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(firstImage + imageCount, ImageCount, nameof(imageCount));
        var valuesPerImage = FramesPerImage * FrameSize;
        var buffer = ArrayPool<float>.Shared.Rent(imagesPerBatch * valuesPerImage);
        var end = firstImage + imageCount;
        try
        {
            for (var image = firstImage; image < end; image += imagesPerBatch)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var count = Math.Min(imagesPerBatch, end - image);
                ReadFrames(image, count, buffer);
                onBatch(image * FramesPerImage, buffer.AsSpan(0, count * valuesPerImage));
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }
}

/// <summary>Receives a batch of frames (row-major, frame after frame) starting at movie frame <paramref name="firstFrame"/>.</summary>
public delegate void FrameBatchAction(int firstFrame, Span<float> frames);
