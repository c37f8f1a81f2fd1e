using Idrp.Analysis.Sem.Model;
using Idrp.Analysis.Sem.Synthetic;
using Idrp.Imaging;

namespace Idrp.Analysis.Sem.Tests;

/// <summary>
/// The ONNX path for real: tests write a linear classifier as an ONNX file plus its model.json, load it like an
/// operator's model, and compare ONNX Runtime's probabilities with the same computation done here step by step.
/// </summary>
public sealed class OnnxModelTests
{
    private const int Width = 16;
    private const int Height = 12;

    /// <summary>A colour 320×240 JPEG whose channels differ (so RGB and BGR orders give different tensors) with a 24-row bar.</summary>
    private static byte[] ColourImage(string category, int index)
    {
        var gray = SyntheticSem.Generate(category, index, seed: 3, width: 320, height: 240);
        var rgb = new byte[gray.Width * gray.Height * 3];
        for (var i = 0; i < gray.Width * gray.Height; i++)
        {
            var v = gray.Pixels[i];
            rgb[3 * i] = (byte)(255 * v);
            rgb[(3 * i) + 1] = (byte)(255 * v * v);
            rgb[(3 * i) + 2] = (byte)(255 * (1 - v));
        }

        using var png = new MemoryStream();
        ImageEncoder.WritePng(new RgbImage(gray.Width, gray.Height, rgb), png);
        return png.ToArray();
    }

    private static (float[] Weights, float[] Bias) RandomLinear(int features, int classes, int seed)
    {
        var random = new Random(seed);
        var weights = new float[features * classes];
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = (float)((random.NextDouble() - 0.5) * 0.1);
        }

        var bias = new float[classes];
        for (var i = 0; i < classes; i++)
        {
            bias[i] = (float)((random.NextDouble() - 0.5) * 0.5);
        }

        return (weights, bias);
    }

    private static SemModelManifest Manifest(string layout, string channels, string outputType, IReadOnlyList<string>? labels = null) => new()
    {
        Kind = "onnx",
        Name = "linear-test",
        Version = "1",
        Labels = labels ?? SemCategories.All,
        Crop = new InfoBarCrop { BottomPixels = 24 },
        Onnx = "model.onnx",
        Input = new OnnxInputSpec
        {
            Name = "image",
            Width = Width,
            Height = Height,
            Layout = layout,
            Channels = channels,
            Scale = 1.0 / 255,
            Mean = channels == "Gray" ? [0.5] : [0.485, 0.456, 0.406],
            Std = channels == "Gray" ? [0.25] : [0.229, 0.224, 0.225],
        },
        Output = new OnnxOutputSpec { Name = "scores", Type = outputType },
    };

    /// <summary>The tensor computed independently of <see cref="OnnxSemModel.Preprocess"/>: decode, drop 24 rows, area-resize, normalise, reorder.</summary>
    private static float[] ExpectedTensor(byte[] image, SemModelManifest manifest)
    {
        var decoded = ImageDecoder.DecodeRgb(image, "test");
        var cropped = ImageOps.Crop(decoded, 0, 0, decoded.Width, decoded.Height - 24);
        var small = ImageOps.Resize(cropped, Width, Height);
        var input = manifest.Input!;
        var channels = input.ChannelCount;
        var tensor = new float[Width * Height * channels];
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                var p = ((y * Width) + x) * 3;
                double r = small.Pixels[p], g = small.Pixels[p + 1], b = small.Pixels[p + 2];
                double[] values = input.Channels switch
                {
                    "RGB" => [r, g, b],
                    "BGR" => [b, g, r],
                    _ => [(0.299 * r) + (0.587 * g) + (0.114 * b)],
                };
                for (var c = 0; c < channels; c++)
                {
                    var v = ((values[c] / 255) - input.Mean![c]) / input.Std![c];
                    var index = input.Layout == "NCHW" ? (c * Width * Height) + (y * Width) + x : (((y * Width) + x) * channels) + c;
                    tensor[index] = (float)v;
                }
            }
        }

        return tensor;
    }

    private static double[] Softmax(double[] logits)
    {
        var max = logits.Max();
        var exp = logits.Select(l => Math.Exp(l - max)).ToArray();
        var sum = exp.Sum();
        return [.. exp.Select(e => e / sum)];
    }

    private static double[] ExpectedProbabilities(float[] tensor, float[] weights, float[] bias)
    {
        var classes = bias.Length;
        var logits = new double[classes];
        for (var k = 0; k < classes; k++)
        {
            double sum = bias[k];
            for (var i = 0; i < tensor.Length; i++)
            {
                sum += tensor[i] * (double)weights[(i * classes) + k];
            }

            logits[k] = sum;
        }

        return Softmax(logits);
    }

    private static string WriteModel(TempDirectory temp, SemModelManifest manifest, float[] weights, float[] bias, bool softmax)
    {
        var input = manifest.Input!;
        long[] shape = input.Layout == "NCHW" ? [1, input.ChannelCount, Height, Width] : [1, Height, Width, input.ChannelCount];
        var folder = temp.Combine("model");
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "model.onnx"), OnnxModelBuilder.LinearClassifier("image", shape, weights, bias, "scores", softmax));
        manifest.Write(folder);
        return folder;
    }

    [Theory]
    [InlineData("NCHW", "RGB", true)]
    [InlineData("NHWC", "BGR", false)]
    [InlineData("NCHW", "Gray", true)]
    public void Onnx_probabilities_equal_the_same_linear_model_computed_in_csharp(string layout, string channels, bool softmaxInGraph)
    {
        using var temp = new TempDirectory();
        var manifest = Manifest(layout, channels, softmaxInGraph ? "probabilities" : "logits");
        var features = Width * Height * manifest.Input!.ChannelCount;
        var (weights, bias) = RandomLinear(features, 10, seed: layout.Length + channels.Length);
        var folder = WriteModel(temp, manifest, weights, bias, softmaxInGraph);

        using var model = SemModels.Load(folder);
        Assert.IsType<OnnxSemModel>(model);
        foreach (var (category, index) in new[] { (SemCategories.Nanowires, 0), (SemCategories.Particles, 1), (SemCategories.Patterned, 2) })
        {
            var image = ColourImage(category, index);
            var expected = ExpectedProbabilities(ExpectedTensor(image, manifest), weights, bias);
            var actual = model.Predict(image, category);
            Assert.Equal(10, actual.Length);
            for (var k = 0; k < 10; k++)
            {
                Assert.Equal(expected[k], actual[k], 4);
            }

            // And the probabilities are not all alike, so a wrong channel order or layout would show.
            Assert.True(actual.Max() - actual.Min() > 0.01, string.Join(", ", actual));
        }
    }

    [Fact]
    public void Swapping_the_channel_order_in_the_manifest_changes_the_prediction()
    {
        using var temp = new TempDirectory();
        var rgbManifest = Manifest("NCHW", "RGB", "probabilities");
        var (weights, bias) = RandomLinear(Width * Height * 3, 10, seed: 11);
        var folder = WriteModel(temp, rgbManifest, weights, bias, softmax: true);
        var image = ColourImage(SemCategories.Fibres, 0);
        float[] rgb, bgr;
        using (var model = SemModels.Load(folder))
        {
            rgb = model.Predict(image, "fibres");
        }

        (rgbManifest with { Input = rgbManifest.Input! with { Channels = "BGR" } }).Write(folder);
        using (var model = SemModels.Load(folder))
        {
            bgr = model.Predict(image, "fibres");
        }

        Assert.True(rgb.Zip(bgr).Max(p => Math.Abs(p.First - p.Second)) > 1e-3);
    }

    [Fact]
    public void Flat_probabilities_are_uncertain_and_a_clear_winner_is_not()
    {
        using var temp = new TempDirectory();
        var manifest = Manifest("NCHW", "Gray", "logits");
        var features = Width * Height;

        // All weights zero: every category gets exactly 1/10.
        var folder = WriteModel(temp, manifest, new float[features * 10], new float[10], softmax: false);
        var image = ColourImage(SemCategories.Tips, 0);
        using (var model = SemModels.Load(folder))
        {
            var result = SemClassifier.Classify(model, image, "tips.png", top: 3, threshold: 0.5);
            Assert.True(result.IsUncertain);
            Assert.Equal(SemClassifier.Uncertain, result.Outcome);
            Assert.Equal(0.1, result.Probability, 4);
            Assert.Equal(3, result.Top.Count);
        }

        // A bias of 5 on Powder: e^5 / (e^5 + 9) = 0.943.
        var bias = new float[10];
        bias[SemCategories.All.ToList().IndexOf(SemCategories.Powder)] = 5;
        folder = WriteModel(temp, manifest, new float[features * 10], bias, softmax: false);
        using (var model = SemModels.Load(folder))
        {
            var result = SemClassifier.Classify(model, image, "tips.png", top: 1, threshold: 0.5);
            Assert.Equal(SemCategories.Powder, result.Outcome);
            Assert.Equal(Math.Exp(5) / (Math.Exp(5) + 9), result.Probability, 3);
            var strict = SemClassifier.Classify(model, image, "tips.png", top: 1, threshold: 0.95);
            Assert.True(strict.IsUncertain);
            Assert.Equal(SemCategories.Powder, strict.Top[0].Category);
        }
    }

    [Fact]
    public void A_manifest_that_does_not_fit_the_network_is_refused_naming_model_json()
    {
        using var temp = new TempDirectory();
        var manifest = Manifest("NCHW", "RGB", "probabilities");
        var (weights, bias) = RandomLinear(Width * Height * 3, 10, seed: 5);
        var folder = WriteModel(temp, manifest, weights, bias, softmax: true);

        (manifest with { Labels = SemCategories.All.Take(9).ToList() }).Write(folder);
        var labels = Assert.Throws<SemModelException>(() => SemModels.Load(folder));
        Assert.Contains("model.json", labels.Message, StringComparison.Ordinal);
        Assert.Contains("10 classes", labels.Message, StringComparison.Ordinal);

        (manifest with { Input = manifest.Input! with { Width = 32 } }).Write(folder);
        var shape = Assert.Throws<SemModelException>(() => SemModels.Load(folder));
        Assert.Contains("shape", shape.Message, StringComparison.Ordinal);

        (manifest with { Input = manifest.Input! with { Name = "pixels" } }).Write(folder);
        Assert.Contains("no input 'pixels'", Assert.Throws<SemModelException>(() => SemModels.Load(folder)).Message, StringComparison.Ordinal);

        File.WriteAllText(Path.Combine(folder, "model.json"), File.ReadAllText(Path.Combine(folder, "model.json")).Replace("\"layout\"", "\"layuot\"", StringComparison.Ordinal));
        Assert.Contains("layuot", Assert.Throws<SemModelException>(() => SemModels.Load(folder)).Message, StringComparison.Ordinal);
    }
}
