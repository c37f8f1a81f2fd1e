using Idrp.Analysis.Stm.Fast;

namespace Idrp.Analysis.Stm.Processing;

/// <summary>
/// Automatic x-phase detection, as pyfastspm 1.0.4's <c>FastMovie.correct_phase</c> (sigma_gauss = 0): frame
/// <c>frameIndex</c> of the up-down interlaced movie at the file's phase is normalised (mean 0, population std 1) and
/// Hamming-windowed along x; for every even row i (2 .. rows - 4) the full cross-correlations of row i with rows
/// i + 1 and i - 1 give two peak indices, whose mean over all rows, minus (columns - 1), halved and rounded half to
/// even, is added to <c>Acquisition.X_Phase</c>. Forward and backward lines meet when the phase is right, so a wrong
/// phase shows as a lateral shift between them.
/// </summary>
public static class PhaseDetection
{
    /// <summary>Returns the detected x phase in samples (<c>Acquisition.X_Phase</c> + correction + <paramref name="manualX"/>).</summary>
    /// <param name="file">An open FAST movie.</param>
    /// <param name="frameIndex">Frame of the <c>udi</c> movie to correlate (pyfastspm's notebook: 0).</param>
    /// <param name="manualX">Added after detection (pyfastspm's <c>manual_x</c>).</param>
    /// <param name="yPhase">y phase used while detecting (pyfastspm: the constructor's y_phase).</param>
    public static int DetectXPhase(FastFile file, int frameIndex = 0, int manualX = 0, int yPhase = 0)
    {
        ArgumentNullException.ThrowIfNull(file);
        var reader = file.OpenMovie(FastChannels.UpDownInterlaced, file.Metadata.XPhase, yPhase);
        ArgumentOutOfRangeException.ThrowIfNegative(frameIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(frameIndex, reader.FrameCount);
        var image = new float[reader.FramesPerImage * reader.FrameSize];
        reader.ReadFrames(frameIndex / 2, 1, image);
        var frame = image.AsSpan((frameIndex % 2) * reader.FrameSize, reader.FrameSize);
        return file.Metadata.XPhase + Correction(frame, reader.Height, reader.Width, out _) + manualX;
    }

    /// <summary>The correction in samples for one interlaced frame (rows x columns, row-major); <paramref name="raw"/> before rounding.</summary>
    public static int Correction(ReadOnlySpan<float> frame, int rows, int columns, out double raw)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 6);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 2);
        var n = rows * columns;
        double mean = 0;
        for (var i = 0; i < n; i++)
        {
            mean += frame[i];
        }

        mean /= n;
        double variance = 0;
        for (var i = 0; i < n; i++)
        {
            variance += (frame[i] - mean) * (frame[i] - mean);
        }

        var std = Math.Sqrt(variance / n);
        var data = new double[n];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                var hamming = columns == 1 ? 1 : 0.54 - 0.46 * Math.Cos(2 * Math.PI * c / (columns - 1));
                data[r * columns + c] = (frame[r * columns + c] - mean) / std * hamming;
            }
        }

        var peaks = new double[(rows - 4) / 2];
        var count = 0;
        for (var i = 2; i < rows - 2; i += 2)
        {
            var row = data.AsSpan(i * columns, columns);
            var forward = ArgMaxCorrelation(row, data.AsSpan((i + 1) * columns, columns));
            var backward = ArgMaxCorrelation(row, data.AsSpan((i - 1) * columns, columns));
            peaks[(i / 2) - 1] = (forward + backward) / 2.0;
            count++;
        }

        double sum = 0;
        for (var i = 0; i < peaks.Length; i++)
        {
            sum += peaks[i];
        }

        raw = (sum / peaks.Length - (columns - 1)) / 2;
        return (int)Math.Round(raw, MidpointRounding.ToEven);
    }

    // scipy.signal.correlate(a, b, 'full'): z[k] = sum_n a[n + k - (N - 1)] b[n], k = 0 .. 2N - 2; first maximum wins
    private static int ArgMaxCorrelation(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var n = a.Length;
        var best = double.NegativeInfinity;
        var bestIndex = 0;
        for (var k = 0; k < 2 * n - 1; k++)
        {
            var lag = k - (n - 1);
            double z = 0;
            var from = Math.Max(0, -lag);
            var to = Math.Min(n, n - lag);
            for (var j = from; j < to; j++)
            {
                z += a[j + lag] * b[j];
            }

            if (z > best)
            {
                best = z;
                bestIndex = k;
            }
        }

        return bestIndex;
    }
}
