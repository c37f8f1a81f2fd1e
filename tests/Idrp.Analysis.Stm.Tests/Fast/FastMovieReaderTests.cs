using System.Security.Cryptography;
using System.Text.Json;
using Idrp.Analysis.Stm.Fast;
using Idrp.Analysis.Stm.Tests.Support;

namespace Idrp.Analysis.Stm.Tests.Fast;

public sealed class FastMovieReaderTests
{
    public static TheoryData<int> ReferenceCases()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < LoadReferences().Count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ReferenceCases))]
    public void Reshaped_movie_is_identical_to_pyfastspm(int caseIndex)
    {
        var reference = LoadReferences()[caseIndex];
        using var file = FastFile.Open(TestData.SyntheticMovie);
        var xPhase = reference.GetProperty("x_phase").GetInt32();
        var yPhase = reference.GetProperty("y_phase").GetInt32();
        var reader = file.OpenMovie(FastChannelsExtensions.Parse(reference.GetProperty("channels").GetString()!), xPhase, yPhase);

        Assert.Equal(reference.GetProperty("frames").GetInt32(), reader.FrameCount);
        Assert.Equal(reference.GetProperty("rows").GetInt32(), reader.Height);
        Assert.Equal(reference.GetProperty("columns").GetInt32(), reader.Width);
        Assert.Equal(reference.GetProperty("fps").GetDouble(), reader.FramesPerSecond);

        var frames = new float[reader.FrameCount * reader.FrameSize];
        reader.ReadFrames(0, reader.ImageCount, frames);

        foreach (var sample in reference.GetProperty("samples").EnumerateObject())
        {
            var expected = NpyArray.Read(TestData.References(sample.Value.GetString()!));
            var frame = int.Parse(sample.Name, System.Globalization.CultureInfo.InvariantCulture);
            var actual = frames.AsSpan(frame * reader.FrameSize, reader.FrameSize);
            for (var i = 0; i < actual.Length; i++)
            {
                if (actual[i] != expected.Values[i])
                {
                    Assert.Fail($"frame {frame}, row {i / reader.Width}, column {i % reader.Width}: {actual[i]} != pyfastspm {expected.Values[i]}");
                }
            }
        }

        var bytes = new byte[frames.Length * sizeof(float)];
        Buffer.BlockCopy(frames, 0, bytes, 0, bytes.Length);
        Assert.Equal(reference.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    [Fact]
    public void Streaming_batches_give_the_same_frames_as_one_read()
    {
        using var file = FastFile.Open(TestData.SyntheticMovie);
        var reader = file.OpenMovie(FastChannels.UpDownInterlaced);
        var whole = new float[reader.FrameCount * reader.FrameSize];
        reader.ReadFrames(0, reader.ImageCount, whole);

        var streamed = new float[whole.Length];
        var batches = 0;
        reader.ForEachBatch(4, (first, frames) =>
        {
            frames.CopyTo(streamed.AsSpan(first * reader.FrameSize));
            batches++;
        });

        Assert.Equal(7, batches); // 25 images in batches of 4
        Assert.Equal(whole, streamed);
    }

    [Fact]
    public void Movie_metadata_gives_geometry_and_calibration()
    {
        using var file = FastFile.Open(TestData.SyntheticMovie);

        Assert.Equal(FastFileKind.Movie, file.Kind);
        Assert.Equal(100, file.Metadata.XPoints);
        Assert.Equal(100, file.Metadata.YPoints);
        Assert.Equal(3, file.Metadata.XPhase);
        Assert.Equal(10.0, file.Metadata.WidthNm!.Value, 12);
        Assert.Equal("2.6", file.Metadata.FileFormatVersion);
        Assert.Equal(25, file.OpenMovie(FastChannels.UpForward).ImageCount);
    }

    [Theory]
    [InlineData("udi", FastChannels.UpDownInterlaced)]
    [InlineData("UB", FastChannels.UpBackward)]
    public void Channel_descriptors_parse_like_pyfastspm(string text, FastChannels expected) =>
        Assert.Equal(expected, FastChannelsExtensions.Parse(text));

    [Fact]
    public void Unknown_channel_descriptor_is_rejected() =>
        Assert.Throws<FormatException>(() => FastChannelsExtensions.Parse("ud"));

    private static List<JsonElement> LoadReferences()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(TestData.References("pyfastspm_reshape.json")));
        return json.RootElement.GetProperty("cases").EnumerateArray().Select(e => e.Clone()).ToList();
    }
}
