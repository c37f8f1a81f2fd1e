using System.Text.Json;
using System.Text.Json.Serialization;

namespace Idrp.Analysis.Sem.Model;

/// <summary>
/// <c>model.json</c>, the one file every model folder has: what kind of model it is, its labels, the info-bar crop,
/// and for ONNX models how to feed the network (docs/analysis/sem.md). Unknown properties are refused so that a typo
/// in a hand-written manifest is an error, not a silently ignored setting.
/// </summary>
public sealed record SemModelManifest
{
    public const string FileName = "model.json";
    public const string CurrentFormat = "idrp-sem-model/1";

    [JsonPropertyName("format")]
    public string Format { get; init; } = CurrentFormat;

    /// <summary><c>features</c> (the built-in model) or <c>onnx</c>.</summary>
    [JsonPropertyName("kind")]
    public required string Kind { get; init; }

    [JsonPropertyName("name")]
    public required string Name { get; init; }

    [JsonPropertyName("version")]
    public required string Version { get; init; }

    /// <summary>Category names in the order of the model's outputs.</summary>
    [JsonPropertyName("labels")]
    public required IReadOnlyList<string> Labels { get; init; }

    [JsonPropertyName("crop")]
    public InfoBarCrop Crop { get; init; } = InfoBarCrop.Default;

    [JsonPropertyName("description")]
    public string? Description { get; init; }

    /// <summary>ONNX models: the network file, relative to the folder.</summary>
    [JsonPropertyName("onnx")]
    public string? Onnx { get; init; }

    [JsonPropertyName("input")]
    public OnnxInputSpec? Input { get; init; }

    [JsonPropertyName("output")]
    public OnnxOutputSpec? Output { get; init; }

    /// <summary>Built-in model: the feature set it was trained on (<see cref="Features.SemFeatures.Version"/>).</summary>
    [JsonPropertyName("featureSet")]
    public string? FeatureSet { get; init; }

    /// <summary>Built-in model: the ML.NET model file, relative to the folder.</summary>
    [JsonPropertyName("model")]
    public string? Model { get; init; }

    [JsonPropertyName("training")]
    public TrainingReport? Training { get; init; }

    internal static JsonSerializerOptions JsonOptions { get; } = new()
    {
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>Reads and checks <c>model.json</c> in <paramref name="directory"/>.</summary>
    /// <exception cref="SemModelException">Missing, malformed or inconsistent; the message names the file and the problem.</exception>
    public static SemModelManifest Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            throw new SemModelException(Directory.Exists(directory)
                ? $"{directory} is not a model folder: it has no {FileName}"
                : $"no model folder at {directory}");
        }

        SemModelManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<SemModelManifest>(File.ReadAllText(path), JsonOptions);
        }
        catch (JsonException e)
        {
            throw new SemModelException($"{path}: {e.Message}", e);
        }

        if (manifest is null)
        {
            throw new SemModelException($"{path} is empty");
        }

        manifest.Check(path);
        return manifest;
    }

    public void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(this, JsonOptions) + "\n");
    }

    private void Check(string path)
    {
        if (Format != CurrentFormat)
        {
            throw new SemModelException($"{path}: format '{Format}' is not {CurrentFormat}");
        }

        if (Labels is not { Count: >= 2 } || Labels.Any(string.IsNullOrWhiteSpace) || Labels.Distinct(StringComparer.Ordinal).Count() != Labels.Count)
        {
            throw new SemModelException($"{path}: 'labels' must list at least two distinct, non-empty names");
        }

        try
        {
            Crop.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new SemModelException($"{path}: crop: {e.Message.Split('\n')[0]}", e);
        }

        switch (Kind)
        {
            case "features":
                if (string.IsNullOrEmpty(Model) || string.IsNullOrEmpty(FeatureSet))
                {
                    throw new SemModelException($"{path}: a 'features' model needs 'model' and 'featureSet'");
                }

                break;
            case "onnx":
                if (string.IsNullOrEmpty(Onnx) || Input is null)
                {
                    throw new SemModelException($"{path}: an 'onnx' model needs 'onnx' (the file) and 'input'");
                }

                Input.Check(path);
                break;
            default:
                throw new SemModelException($"{path}: 'kind' must be 'features' or 'onnx', not '{Kind}'");
        }
    }
}

/// <summary>How an image becomes the network's input tensor.</summary>
public sealed record OnnxInputSpec
{
    /// <summary>The input's name in the graph; empty takes the graph's only input.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    [JsonPropertyName("width")]
    public required int Width { get; init; }

    [JsonPropertyName("height")]
    public required int Height { get; init; }

    /// <summary><c>NCHW</c> (PyTorch) or <c>NHWC</c> (TensorFlow/Keras).</summary>
    [JsonPropertyName("layout")]
    public string Layout { get; init; } = "NCHW";

    /// <summary><c>RGB</c>, <c>BGR</c> or <c>Gray</c> (one channel).</summary>
    [JsonPropertyName("channels")]
    public string Channels { get; init; } = "RGB";

    /// <summary>Pixel values 0…255 are multiplied by this first (1/255 for networks trained on 0…1 images).</summary>
    [JsonPropertyName("scale")]
    public double Scale { get; init; } = 1.0 / 255;

    /// <summary>Per channel, in the order of <see cref="Channels"/>, subtracted after scaling.</summary>
    [JsonPropertyName("mean")]
    public IReadOnlyList<double>? Mean { get; init; }

    /// <summary>Per channel, divided after subtracting the mean.</summary>
    [JsonPropertyName("std")]
    public IReadOnlyList<double>? Std { get; init; }

    /// <summary><c>stretch</c> (to width × height) or <c>center-crop</c> (shorter side to fit, then the middle).</summary>
    [JsonPropertyName("resize")]
    public string Resize { get; init; } = "stretch";

    public int ChannelCount => Channels.Equals("Gray", StringComparison.OrdinalIgnoreCase) ? 1 : 3;

    internal void Check(string path)
    {
        if (Width is < 1 or > 8192 || Height is < 1 or > 8192)
        {
            throw new SemModelException($"{path}: input width and height must be 1 to 8192");
        }

        if (!Layout.Equals("NCHW", StringComparison.OrdinalIgnoreCase) && !Layout.Equals("NHWC", StringComparison.OrdinalIgnoreCase))
        {
            throw new SemModelException($"{path}: input layout must be NCHW or NHWC, not '{Layout}'");
        }

        if (!(Channels.Equals("RGB", StringComparison.OrdinalIgnoreCase) || Channels.Equals("BGR", StringComparison.OrdinalIgnoreCase) || Channels.Equals("Gray", StringComparison.OrdinalIgnoreCase)))
        {
            throw new SemModelException($"{path}: input channels must be RGB, BGR or Gray, not '{Channels}'");
        }

        if ((Mean is not null && Mean.Count != ChannelCount) || (Std is not null && Std.Count != ChannelCount))
        {
            throw new SemModelException($"{path}: input mean and std need one value per channel ({ChannelCount})");
        }

        if (Std is not null && Std.Any(s => s == 0 || !double.IsFinite(s)))
        {
            throw new SemModelException($"{path}: input std values must be finite and non-zero");
        }

        if (!Resize.Equals("stretch", StringComparison.OrdinalIgnoreCase) && !Resize.Equals("center-crop", StringComparison.OrdinalIgnoreCase))
        {
            throw new SemModelException($"{path}: input resize must be 'stretch' or 'center-crop', not '{Resize}'");
        }
    }
}

/// <summary>Which output holds the class scores and what they are.</summary>
public sealed record OnnxOutputSpec
{
    /// <summary>The output's name; empty takes the graph's first output.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    /// <summary><c>probabilities</c> (already softmaxed) or <c>logits</c> (softmax applied here).</summary>
    [JsonPropertyName("type")]
    public string Type { get; init; } = "probabilities";
}

/// <summary>What a training run measured on the images it held out.</summary>
public sealed record TrainingReport
{
    [JsonPropertyName("trainer")]
    public required string Trainer { get; init; }

    [JsonPropertyName("dataset")]
    public required string Dataset { get; init; }

    [JsonPropertyName("trainedAt")]
    public required DateTimeOffset TrainedAt { get; init; }

    [JsonPropertyName("trainingImages")]
    public required int TrainingImages { get; init; }

    [JsonPropertyName("heldOutImages")]
    public required int HeldOutImages { get; init; }

    [JsonPropertyName("heldOutFraction")]
    public required double HeldOutFraction { get; init; }

    [JsonPropertyName("heldOutAccuracy")]
    public required double HeldOutAccuracy { get; init; }

    [JsonPropertyName("heldOutTop2Accuracy")]
    public required double HeldOutTop2Accuracy { get; init; }

    /// <summary>Rows: true label; columns: predicted label; both in <see cref="SemModelManifest.Labels"/> order.</summary>
    [JsonPropertyName("confusion")]
    public required IReadOnlyList<IReadOnlyList<int>> Confusion { get; init; }

    [JsonPropertyName("perClass")]
    public required IReadOnlyList<ClassReport> PerClass { get; init; }

    [JsonPropertyName("featureSeconds")]
    public required double FeatureSeconds { get; init; }

    [JsonPropertyName("trainSeconds")]
    public required double TrainSeconds { get; init; }

    [JsonPropertyName("skipped")]
    public IReadOnlyList<string>? Skipped { get; init; }
}

public sealed record ClassReport(
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("trainingImages")] int TrainingImages,
    [property: JsonPropertyName("heldOutImages")] int HeldOutImages,
    [property: JsonPropertyName("recall")] double Recall,
    [property: JsonPropertyName("precision")] double Precision);

/// <summary>A model folder that cannot be used; the message names the file and what is wrong.</summary>
public sealed class SemModelException(string message, Exception? inner = null) : Exception(message, inner);
