using Idrp.Analysis.Stm.Fast;
using Idrp.Analysis.Stm.Processing;
using Idrp.Analysis.Stm.Tests.Support;
using PureHDF;

namespace Idrp.Analysis.Stm.Tests.Processing;

/// <summary>
/// Memory that does not grow with the movie (counted in frames and buffers held, not in RSS), and the drift
/// estimate at native resolution giving the same drift as pyfastspm's enlarged correlation.
/// </summary>
public sealed class StreamingTests
{
    [Fact]
    public void Drift_estimator_allocates_the_same_bounded_number_of_spectra_for_a_short_and_a_long_movie()
    {
        static int Spectra(int frameCount)
        {
            const int rows = 16, columns = 8;
            var estimator = new DriftEstimator(rows, columns, interlaced: true, stepSize: 10);
            var random = new Random(3);
            var batch = new float[32 * rows * columns];
            for (var done = 0; done < frameCount; done += 32)
            {
                for (var i = 0; i < batch.Length; i++)
                {
                    batch[i] = (float)random.NextDouble();
                }

                estimator.AddBatch(batch, Math.Min(32, frameCount - done));
            }

            Assert.Equal(frameCount, estimator.Finish().Y.Count);
            return estimator.SpectraAllocated;
        }

        var group = Math.Max(2, 2 * Environment.ProcessorCount);
        var short_ = Spectra(64);
        var long_ = Spectra(5000);
        Assert.True(long_ <= 10 + group, $"{long_} spectra allocated for 5,000 frames (step 10, groups of {group})");
        Assert.Equal(short_, long_);
    }

    [Fact]
    public void Drift_at_native_resolution_equals_the_enlarged_correlation_of_pyfastspm()
    {
        // 32 x 16 frames (an interlaced movie's shape) are enlarged to 64 x 64 by pyfastspm (factors 2 and 4): the
        // native correlation, scaled, must find the same peak for every pair, so the same path to the last bit
        const int rows = 32, columns = 16, frames = 60;
        var field = SmoothField(rows + frames + 40, columns + frames + 40, seed: 11);
        var native = new DriftEstimator(rows, columns, interlaced: true, stepSize: 10);
        var enlarged = new DriftEstimator(rows, columns, interlaced: true, stepSize: 10, nativeResolution: false);
        Assert.True(native.NativeResolution);
        Assert.False(enlarged.NativeResolution);
        var random = new Random(7);
        int y = 20, x = 20;
        var frame = new float[rows * columns];
        for (var k = 0; k < frames; k++)
        {
            // an uneven walk: 0..2 rows down and -1..1 columns per frame
            y += random.Next(0, 3);
            x += random.Next(-1, 2);
            for (var r = 0; r < rows; r++)
            {
                for (var c = 0; c < columns; c++)
                {
                    frame[r * columns + c] = field[y + r, x + c];
                }
            }

            native.Add(frame);
            enlarged.Add(frame);
        }

        var a = native.Finish(boxcar: false);
        var b = enlarged.Finish(boxcar: false);
        Assert.Equal(b.Y, a.Y);
        Assert.Equal(b.X, a.X);
        Assert.True(Math.Abs(a.Y[frames - 1] - a.Y[0]) > 10, $"the walk moved {a.Y[frames - 1] - a.Y[0]} enlarged rows");
    }

    [Fact]
    public void Pipeline_hands_on_drift_corrected_frames_in_bounded_groups_whatever_the_movie_length()
    {
        var path = Path.Combine(Path.GetTempPath(), $"idrp-stm-streaming-{Guid.NewGuid():N}.h5");
        try
        {
            WriteMovie(path, points: 16, images: 300);
            using var file = FastFile.Open(path);
            using var pipeline = FastPipeline.Open(file, new FastProcessing(FastChannels.UpDownInterlaced, Drift: true));
            Assert.Equal(600, pipeline.FrameCount);
            var expectedFirst = 0;
            var largest = 0;
            pipeline.ForEachBatch(64, (first, frames) =>
            {
                Assert.Equal(expectedFirst, first);
                Assert.Equal(0, frames.Length % pipeline.FrameSize);
                var n = frames.Length / pipeline.FrameSize;
                expectedFirst += n;
                largest = Math.Max(largest, n);
            });
            Assert.Equal(600, expectedFirst);
            Assert.True(largest <= pipeline.FramesPerCall && pipeline.FramesPerCall <= 16,
                $"{largest} frames in one call (at most {pipeline.FramesPerCall} expected) though 64 images are read at a time");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Drift_corrected_frames_read_back_from_the_first_pass_equal_recomputed_frames()
    {
        // pyfastspm's whole notebook pipeline on the synthetic movie: the second pass reads pass 1's corrected frames
        // back from a temporary file instead of correcting them again; the frames must be the same to the bit
        using var file = FastFile.Open(TestData.SyntheticMovie);
        using var kept = FastPipeline.Open(file, FastProcessing.Notebook, keepCorrectedFrames: true);
        using var recomputed = FastPipeline.Open(file, FastProcessing.Notebook, keepCorrectedFrames: false);
        Assert.True(kept.KeepsCorrectedFrames);
        Assert.False(recomputed.KeepsCorrectedFrames);
        Assert.Equal(recomputed.Drift!.Y, kept.Drift!.Y);
        Assert.Equal(recomputed.Drift.X, kept.Drift.X);
        foreach (var (firstImage, count) in new[] { (0, 25), (7, 3) })
        {
            var a = Frames(kept, firstImage, count);
            var b = Frames(recomputed, firstImage, count);
            Assert.Equal(count * 2 * kept.FrameSize, a.Length);
            Assert.Equal(b, a);
        }

        static float[] Frames(FastPipeline pipeline, int firstImage, int count)
        {
            var all = new List<float>();
            var next = firstImage * 2;
            pipeline.ForEachBatch(16, firstImage, count, (first, frames) =>
            {
                Assert.Equal(next, first);
                next += frames.Length / pipeline.FrameSize;
                all.AddRange(frames.ToArray());
            });
            return [.. all];
        }
    }

    // a FAST movie as gen_fast_h5.py's model in short: a lattice along the probe's sine path, drifting slowly
    private static void WriteMovie(string path, int points, int images)
    {
        var samples = new short[(long)images * 4 * points * points];
        var random = new Random(1);
        for (long s = 0; s < samples.Length; s++)
        {
            var k = s % points;
            var row = s / points % (4 * points);
            var drift = s / (4.0 * points * points) * 0.3;
            var x = Math.Cos(Math.PI * (k + 0.5) / points) * points / 2 + drift;
            samples[s] = (short)(300 + 200 * Math.Sin(x * 0.9) * Math.Cos(row * 0.45 + drift) + random.Next(-20, 20));
        }

        var data = new H5Dataset(samples);
        foreach (var (key, value) in new Dictionary<string, object>
        {
            ["Scanner.X_Points"] = points, ["Scanner.Y_Points"] = points, ["Scanner.Y_Frequency"] = 4.0, ["Scanner.X_Frequency"] = 8.0 * points,
            ["Acquisition.ADC_SamplingRate"] = 16.0 * points * points, ["Acquisition.NumImages"] = images, ["Acquisition.X_Phase"] = 0,
            ["Acquisition.Y_Phase"] = 0, ["ExperimentInfo.FileFormatVersion"] = "2.6",
        })
        {
            data.Attributes[key] = value;
        }

        new H5File { ["data"] = data }.Write(path);
    }

    private static float[,] SmoothField(int rows, int columns, int seed)
    {
        var random = new Random(seed);
        var noise = new double[rows, columns];
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < columns; j++)
            {
                noise[i, j] = random.NextDouble();
            }
        }

        var field = new float[rows, columns];
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < columns; j++)
            {
                double sum = 0;
                for (var a = -2; a <= 2; a++)
                {
                    for (var b = -2; b <= 2; b++)
                    {
                        sum += noise[Math.Clamp(i + a, 0, rows - 1), Math.Clamp(j + b, 0, columns - 1)] * (3 - Math.Abs(a)) * (3 - Math.Abs(b));
                    }
                }

                field[i, j] = (float)sum;
            }
        }

        return field;
    }
}
