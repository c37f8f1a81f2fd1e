namespace Idrp.Analysis.Stm.Fast;

/// <summary>
/// Turns the samples of one FAST image (one slow period, <c>4 * Y_Points</c> lines of <c>X_Points</c>
/// samples in time order) into frames, exactly as pyfastspm 1.0.4's <c>FastMovie.reshape_data</c>.
/// </summary>
/// <remarks>
/// Orientation (docs/analysis/stm.md): row 0 of every frame is the top of the image. Up sweeps run from
/// bottom to top, so their lines are stored in reverse; backward lines are mirrored in x so that column 0
/// is always the left edge. Values are copied, never interpolated. Thread safe: pure function.
/// </remarks>
public static class FastReshape
{
    /// <summary>Samples in one image: <c>4 * xPoints * yPoints</c>.</summary>
    public static int SamplesPerImage(int xPoints, int yPoints) => checked(4 * xPoints * yPoints);

    /// <summary>Values in the frames of one image: <c>FramesPerImage * FrameRows * xPoints</c>.</summary>
    public static int ValuesPerImage(FastChannels channels, int xPoints, int yPoints) =>
        channels.FramesPerImage() * channels.FrameRows(yPoints) * xPoints;

    /// <summary>Reshapes one image into its frames.</summary>
    /// <param name="image">The image's <c>4 * yPoints * xPoints</c> samples, phase shift already applied.</param>
    /// <param name="channels">Which lines to keep.</param>
    /// <param name="xPoints">Samples per line (<c>Scanner.X_Points</c>).</param>
    /// <param name="yPoints">Lines per direction (<c>Scanner.Y_Points</c>).</param>
    /// <param name="frames">Receives <see cref="ValuesPerImage"/> values: frame after frame, row-major.</param>
    public static void ReshapeImage<T>(ReadOnlySpan<T> image, FastChannels channels, int xPoints, int yPoints, Span<T> frames)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(xPoints, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(yPoints, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(image.Length, SamplesPerImage(xPoints, yPoints), nameof(image));
        ArgumentOutOfRangeException.ThrowIfLessThan(frames.Length, ValuesPerImage(channels, xPoints, yPoints), nameof(frames));

        var frameSize = xPoints * yPoints;
        switch (channels)
        {
            case FastChannels.UpForward:
                CopyUp(image, 0, xPoints, yPoints, mirror: false, frames);
                break;
            case FastChannels.UpBackward:
                CopyUp(image, 1, xPoints, yPoints, mirror: true, frames);
                break;
            case FastChannels.DownForward:
                CopyDown(image, 0, xPoints, yPoints, mirror: false, frames);
                break;
            case FastChannels.DownBackward:
                CopyDown(image, 1, xPoints, yPoints, mirror: true, frames);
                break;
            case FastChannels.UpDownForward:
                CopyUp(image, 0, xPoints, yPoints, mirror: false, frames);
                CopyDown(image, 0, xPoints, yPoints, mirror: false, frames[frameSize..]);
                break;
            case FastChannels.UpDownBackward:
                CopyUp(image, 1, xPoints, yPoints, mirror: true, frames);
                CopyDown(image, 1, xPoints, yPoints, mirror: true, frames[frameSize..]);
                break;
            case FastChannels.UpInterlaced:
                InterlacedUp(image, xPoints, yPoints, frames);
                break;
            case FastChannels.DownInterlaced:
                InterlacedDown(image, xPoints, yPoints, frames);
                break;
            case FastChannels.UpDownInterlaced:
                InterlacedUp(image, xPoints, yPoints, frames);
                InterlacedDown(image, xPoints, yPoints, frames[(2 * frameSize)..]);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(channels));
        }
    }

    // Up sweep: time-order lines 0 .. 2*ny-1; kept lines first, first, first+2, ...; row order reversed.
    private static void CopyUp<T>(ReadOnlySpan<T> image, int first, int nx, int ny, bool mirror, Span<T> frame)
    {
        for (var j = 0; j < ny; j++)
        {
            var source = image.Slice((first + 2 * j) * nx, nx);
            var target = frame.Slice((ny - 1 - j) * nx, nx);
            CopyLine(source, target, mirror);
        }
    }

    // Down sweep: time-order lines 2*ny .. 4*ny-1; row order kept.
    private static void CopyDown<T>(ReadOnlySpan<T> image, int first, int nx, int ny, bool mirror, Span<T> frame)
    {
        for (var j = 0; j < ny; j++)
        {
            var source = image.Slice((2 * ny + first + 2 * j) * nx, nx);
            var target = frame.Slice(j * nx, nx);
            CopyLine(source, target, mirror);
        }
    }

    private static void InterlacedUp<T>(ReadOnlySpan<T> image, int nx, int ny, Span<T> frame)
    {
        var rows = 2 * ny;
        for (var r = 0; r < rows; r++)
        {
            CopyLine(image.Slice(r * nx, nx), frame.Slice((rows - 1 - r) * nx, nx), mirror: (r & 1) == 1);
        }
    }

    private static void InterlacedDown<T>(ReadOnlySpan<T> image, int nx, int ny, Span<T> frame)
    {
        var rows = 2 * ny;
        for (var r = 0; r < rows; r++)
        {
            CopyLine(image.Slice((rows + r) * nx, nx), frame.Slice(r * nx, nx), mirror: (r & 1) == 1);
        }
    }

    private static void CopyLine<T>(ReadOnlySpan<T> source, Span<T> target, bool mirror)
    {
        source.CopyTo(target);
        if (mirror)
        {
            target.Reverse();
        }
    }
}
