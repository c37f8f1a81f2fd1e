using System.Text.Json;
using Idrp.Analysis.Stm.Fast;
using Idrp.Analysis.Stm.Processing;
using Idrp.Analysis.Stm.Tests.Support;

namespace Idrp.Analysis.Stm.Tests.Processing;

/// <summary>
/// The corrections against pyfastspm 1.0.4 run on the synthetic movie with its converter notebook's settings
/// (References/make_pyfastspm_processing_references.py), and against the generator's model where pyfastspm gives no number.
/// </summary>
public sealed class CorrectionTests
{
    private static readonly JsonElement s_reference =
        JsonDocument.Parse(File.ReadAllText(TestData.References("pyfastspm_processing.json"))).RootElement;

    private static readonly FftFilterOptions s_notebookFilter = FftFilterOptions.Notebook;

    [Fact]
    public void Automatic_phase_equals_pyfastspm_on_the_synthetic_movie()
    {
        using var file = FastFile.Open(TestData.SyntheticMovie);
        Assert.Equal(s_reference.GetProperty("auto_x_phase").GetInt32(), PhaseDetection.DetectXPhase(file));
    }

    [Theory]
    [InlineData(0, 3)]
    [InlineData(7, -4)]
    [InlineData(-2, 5)]
    public void Automatic_phase_finds_the_generators_lag_from_a_wrong_start(int startPhase, int expectedCorrection)
    {
        // the generator records with a lag of 3 samples: read at startPhase, the correction must be 3 - startPhase
        using var file = FastFile.Open(TestData.SyntheticMovie);
        var reader = file.OpenMovie(FastChannels.UpDownInterlaced, startPhase, 0);
        var frames = new float[2 * reader.FrameSize];
        reader.ReadFrames(0, 1, frames);
        Assert.Equal(expectedCorrection, PhaseDetection.Correction(frames.AsSpan(0, reader.FrameSize), reader.Height, reader.Width, out _));
    }

    [Fact]
    public void Fft_filtered_frames_are_close_to_pyfastspm()
    {
        using var file = FastFile.Open(TestData.SyntheticMovie);
        var reader = file.OpenMovie(FastChannels.UpDownForward, fft: s_notebookFilter);
        var frames = new float[reader.FrameCount * reader.FrameSize];
        reader.ReadFrames(0, reader.ImageCount, frames);

        var unfiltered = new float[reader.FrameCount * reader.FrameSize];
        file.OpenMovie(FastChannels.UpDownForward).ReadFrames(0, reader.ImageCount, unfiltered);
        foreach (var k in new[] { 0, 25, 49 })
        {
            var expected = NpyArray.Read(TestData.References($"pfs_fft_udf_frame{k}.npy")).Values;
            var frame = frames.AsSpan(k * reader.FrameSize, reader.FrameSize);
            var difference = MaxAbsDifference(frame, expected);
            // the filter removes tens of counts (x cross-talk 30, pump 25, baseline 60): the residual is far below that
            Assert.True(difference < 0.1, $"frame {k}: max |IDRP - pyfastspm| = {difference} counts");
            Assert.True(MaxAbsDifference(unfiltered.AsSpan(k * reader.FrameSize, reader.FrameSize), expected) > 20);
        }
    }

    [Theory]
    [InlineData("udi")]
    [InlineData("udf")]
    public void Interpolated_frames_are_close_to_pyfastspm(string channels)
    {
        using var file = FastFile.Open(TestData.SyntheticMovie);
        var reader = file.OpenMovie(FastChannelsExtensions.Parse(channels));
        var frames = new float[2 * reader.FrameSize];
        reader.ReadFrames(0, 1, frames);
        var interpolation = GridInterpolation.Create(reader.Channels, reader.Height, reader.Width);
        interpolation.ApplyBatch(frames, 2, 0);
        foreach (var k in new[] { 0, 1 })
        {
            var expected = NpyArray.Read(TestData.References($"pfs_interp_{channels}_frame{k}.npy")).Values;
            var frame = frames.AsSpan(k * reader.FrameSize, reader.FrameSize);
            var (max, mean) = Differences(frame, expected);
            var equal = EqualFraction(frame, expected);
            // pyfastspm's Qhull splits the (cocircular) quads of the probe path at random: where it took the other
            // diagonal the value differs by the data's curvature (noise here); elsewhere it is identical
            Assert.True(mean < 3 && equal > 0.4, $"{channels} frame {k}: |IDRP - pyfastspm| max {max}, mean {mean} counts, {equal:P0} equal");
            // the edge columns lie outside the measured area: 0, as pyfastspm
            Assert.Equal(0f, frame[0]);
            Assert.Equal(0f, frame[reader.Width - 1]);
        }
    }

    [Fact]
    public void Creep_fit_and_pipeline_frames_are_close_to_pyfastspm()
    {
        using var file = FastFile.Open(TestData.SyntheticMovie);
        var phase = PhaseDetection.DetectXPhase(file);
        var reader = file.OpenMovie(FastChannels.UpDownInterlaced, phase, 0, s_notebookFilter);
        var frames = new float[reader.FrameCount * reader.FrameSize];
        reader.ReadFrames(0, reader.ImageCount, frames);

        var creep = CreepCorrection.Fit(frames, reader.Channels, reader.Height, reader.Width);
        Assert.Equal(s_reference.GetProperty("creep_parameter").GetDouble(), creep.Parameter, 0.02);
        var interpolation = GridInterpolation.Create(reader.Channels, reader.Height, reader.Width, creep);
        interpolation.ApplyBatch(frames, reader.FrameCount, 0);
        foreach (var k in new[] { 0, 1, 49 })
        {
            var expected = NpyArray.Read(TestData.References($"pfs_pipeline_udi_frame{k}.npy")).Values;
            var (max, mean) = Differences(frames.AsSpan(k * reader.FrameSize, reader.FrameSize), expected);
            Assert.True(mean < 3, $"frame {k}: |IDRP - pyfastspm| max {max}, mean {mean} counts");
        }

        // drift (pyfastspm's notebook: step 10, boxcar) on the same frames
        var estimator = new DriftEstimator(reader.Height, reader.Width, interlaced: true, stepSize: 10);
        for (var k = 0; k < reader.FrameCount; k++)
        {
            estimator.Add(frames.AsSpan(k * reader.FrameSize, reader.FrameSize));
        }

        var path = estimator.Finish();
        var expectedPath = s_reference.GetProperty("drift_path");
        var expectedY = expectedPath[0].EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var expectedX = expectedPath[1].EnumerateArray().Select(e => e.GetDouble()).ToArray();
        for (var k = 0; k < reader.FrameCount; k++)
        {
            Assert.True(Math.Abs(path.Y[k] - expectedY[k]) < 0.5 && Math.Abs(path.X[k] - expectedX[k]) < 0.5,
                $"frame {k}: drift ({path.Y[k]:F3}, {path.X[k]:F3}), pyfastspm ({expectedY[k]:F3}, {expectedX[k]:F3})");
        }

        var shape = s_reference.GetProperty("drift_shape");
        Assert.Equal(shape[1].GetInt32(), path.OutputRows);
        Assert.Equal(shape[2].GetInt32(), path.OutputColumns);
        var corrected = new float[path.OutputRows * path.OutputColumns];
        foreach (var k in new[] { 0, 49 })
        {
            path.Apply(frames.AsSpan(k * reader.FrameSize, reader.FrameSize), k, corrected);
            var expected = NpyArray.Read(TestData.References($"pfs_drift_udi_frame{k}.npy")).Values;
            var (max, mean) = Differences(corrected, expected);
            Assert.True(mean < 3, $"drift frame {k}: |IDRP - pyfastspm| max {max}, mean {mean} counts");
        }
    }

    [Fact]
    public void Drift_estimate_recovers_a_known_linear_drift()
    {
        // a smooth random surface seen through a 64 x 64 window that moves 1 row down and 1 column left per frame;
        // enlarged to 128 x 128 for correlation, that is 2 pixels per frame in each direction. (The synthetic movie's
        // lattice is periodic, which makes pyfastspm's correlation hop between lattice peaks: no clean known answer.)
        const int size = 64, frames = 40;
        var field = SmoothField(size + frames + 8, seed: 5);
        var estimator = new DriftEstimator(size, size, interlaced: false, stepSize: 10);
        var frame = new float[size * size];
        for (var k = 0; k < frames; k++)
        {
            for (var r = 0; r < size; r++)
            {
                for (var c = 0; c < size; c++)
                {
                    frame[r * size + c] = field[r + k, c + frames - k];
                }
            }

            estimator.Add(frame);
        }

        var path = estimator.Finish(boxcar: false);
        var slopeY = (path.Y[25] - path.Y[0]) / 25;
        var slopeX = (path.X[25] - path.X[0]) / 25;
        Assert.Equal(2.0, Math.Abs(slopeY), 0.05);
        Assert.Equal(2.0, Math.Abs(slopeX), 0.05);
        Assert.True(Math.Sign(slopeX) == -Math.Sign(slopeY), $"the window moves down and left: slopes {slopeY}, {slopeX}");

        var corrected = new float[path.OutputRows * path.OutputColumns];
        path.Apply(frame, frames - 1, corrected);
        Assert.True(path.OutputRows > 128 + 40 && path.OutputColumns > 128 + 40, $"canvas {path.OutputRows} x {path.OutputColumns}");
    }

    private static float[,] SmoothField(int n, int seed)
    {
        var random = new Random(seed);
        var noise = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                noise[i, j] = random.NextDouble();
            }
        }

        var field = new float[n, n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                double sum = 0;
                for (var a = -2; a <= 2; a++)
                {
                    for (var b = -2; b <= 2; b++)
                    {
                        sum += noise[Math.Clamp(i + a, 0, n - 1), Math.Clamp(j + b, 0, n - 1)];
                    }
                }

                field[i, j] = (float)sum;
            }
        }

        return field;
    }

    [Theory]
    [InlineData(FastChannels.UpDownInterlaced)]
    [InlineData(FastChannels.UpDownForward)]
    [InlineData(FastChannels.UpDownBackward)]
    public void Interpolation_of_a_plane_on_the_probe_path_gives_the_plane_on_the_grid(FastChannels channels)
    {
        // whatever the triangles, linear interpolation reproduces a plane exactly: z = 3 x - 2 y on the measured
        // points must become 3 t2 - 2 t1 on the output grid (pyfastspm's coordinates), 0 outside
        const int columns = 40, yPoints = 30;
        var rows = channels == FastChannels.UpDownInterlaced ? 2 * yPoints : yPoints;
        var ny = 2 * yPoints;
        var (y, t1) = GridInterpolation.OutputYGrid(ny, columns);
        var (x, t2) = GridInterpolation.OutputXGrid(columns);
        var interpolation = GridInterpolation.Create(channels, rows, columns);
        var first = channels == FastChannels.UpDownBackward ? 1 : 0;
        var step = channels == FastChannels.UpDownInterlaced ? 1 : 2;
        var frame = new float[rows * columns];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                frame[r * columns + c] = (float)(3 * x[c] - 2 * y[first + r * step, c]);
            }
        }

        var output = new float[rows * columns];
        interpolation.Apply(frame, upFrame: true, output);
        var inside = 0;
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                var value = output[r * columns + c];
                if (c == 0 || c == columns - 1)
                {
                    Assert.Equal(0f, value);
                    continue;
                }

                if (value != 0)
                {
                    inside++;
                    Assert.Equal(3 * t2[c] - 2 * t1[first + r * step], value, 1e-3);
                }
            }
        }

        Assert.True(inside > rows * (columns - 2) * 0.9, $"only {inside} pixels inside the measured area");
    }

    private static double EqualFraction(ReadOnlySpan<float> actual, double[] expected)
    {
        var equal = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            equal += Math.Abs(actual[i] - expected[i]) < 1e-3 ? 1 : 0;
        }

        return equal / (double)expected.Length;
    }

    private static double MaxAbsDifference(ReadOnlySpan<float> actual, double[] expected) => Differences(actual, expected).Max;

    private static (double Max, double Mean) Differences(ReadOnlySpan<float> actual, double[] expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double max = 0, sum = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            var d = Math.Abs(actual[i] - expected[i]);
            max = Math.Max(max, d);
            sum += d;
        }

        return (max, sum / expected.Length);
    }
}
