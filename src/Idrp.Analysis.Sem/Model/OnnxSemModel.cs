using Idrp.Imaging;
using Microsoft.ML.OnnxRuntime;

namespace Idrp.Analysis.Sem.Model;

/// <summary>
/// Any image classification network exported to ONNX, fed as its <c>model.json</c> says: info bar cut, resized to
/// the input size, channels in the given order and layout, scaled and normalised per channel, one image per run.
/// Runs are thread-safe; each uses one core (<c>IntraOpNumThreads = 1</c>), so throughput comes from classifying
/// several images at once.
/// </summary>
public sealed class OnnxSemModel : ISemModel
{
    private readonly InferenceSession _session;
    private readonly string _inputName;
    private readonly string _outputName;
    private readonly bool _logits;

    private OnnxSemModel(SemModelManifest manifest, InferenceSession session, string inputName, string outputName)
    {
        Manifest = manifest;
        _session = session;
        _inputName = inputName;
        _outputName = outputName;
        _logits = string.Equals(manifest.Output?.Type, "logits", StringComparison.OrdinalIgnoreCase);
    }

    public SemModelManifest Manifest { get; }

    internal static OnnxSemModel Load(string directory, SemModelManifest manifest)
    {
        var path = Path.Combine(directory, manifest.Onnx!);
        var manifestPath = Path.Combine(directory, SemModelManifest.FileName);
        if (!File.Exists(path))
        {
            throw new SemModelException($"{path} is missing");
        }

        if (manifest.Output?.Type is { } type && !type.Equals("logits", StringComparison.OrdinalIgnoreCase) && !type.Equals("probabilities", StringComparison.OrdinalIgnoreCase))
        {
            throw new SemModelException($"{manifestPath}: output type must be 'probabilities' or 'logits', not '{type}'");
        }

        InferenceSession session;
        try
        {
            using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
            session = new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new SemModelException($"{path} is not a loadable ONNX model: {e.Message.ReplaceLineEndings(" ")}", e);
        }

        try
        {
            var input = manifest.Input!;
            var inputName = string.IsNullOrEmpty(input.Name) ? session.InputMetadata.Keys.First() : input.Name;
            if (!session.InputMetadata.TryGetValue(inputName, out var inputMeta))
            {
                throw new SemModelException($"{manifestPath}: the network has no input '{inputName}' (it has {string.Join(", ", session.InputMetadata.Keys)})");
            }

            if (inputMeta.ElementType != typeof(float))
            {
                throw new SemModelException($"{manifestPath}: input '{inputName}' takes {inputMeta.ElementType.Name}, only float tensors are supported");
            }

            long[] expected = IsNchw(input) ? [1, input.ChannelCount, input.Height, input.Width] : [1, input.Height, input.Width, input.ChannelCount];
            var dims = inputMeta.Dimensions;
            if (dims.Length != 4 || Enumerable.Range(0, 4).Any(i => dims[i] > 0 && dims[i] != expected[i]))
            {
                throw new SemModelException($"{manifestPath}: input '{inputName}' has shape [{string.Join(", ", dims)}], the manifest describes [{string.Join(", ", expected)}]");
            }

            var outputName = string.IsNullOrEmpty(manifest.Output?.Name) ? session.OutputMetadata.Keys.First() : manifest.Output!.Name!;
            if (!session.OutputMetadata.TryGetValue(outputName, out var outputMeta))
            {
                throw new SemModelException($"{manifestPath}: the network has no output '{outputName}' (it has {string.Join(", ", session.OutputMetadata.Keys)})");
            }

            if (outputMeta.Dimensions is { Length: > 0 } outDims && outDims[^1] > 0 && outDims[^1] != manifest.Labels.Count)
            {
                throw new SemModelException($"{manifestPath}: output '{outputName}' has {outDims[^1]} classes, 'labels' lists {manifest.Labels.Count}");
            }

            return new OnnxSemModel(manifest, session, inputName, outputName);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    public float[] Predict(byte[] image, string source)
    {
        var tensor = Preprocess(image, source, Manifest);
        var input = Manifest.Input!;
        long[] shape = IsNchw(input) ? [1, input.ChannelCount, input.Height, input.Width] : [1, input.Height, input.Width, input.ChannelCount];
        using var value = OrtValue.CreateTensorValueFromMemory(tensor, shape);
        using var runOptions = new RunOptions();
        using var results = _session.Run(runOptions, [_inputName], [value], [_outputName]);
        var scores = results[0].GetTensorDataAsSpan<float>();
        if (scores.Length != Manifest.Labels.Count)
        {
            throw new SemModelException($"the network returned {scores.Length} scores for {Manifest.Labels.Count} labels");
        }

        var probabilities = scores.ToArray();
        if (_logits)
        {
            Softmax(probabilities);
        }

        return probabilities;
    }

    /// <summary>
    /// The input tensor for one image: decode as RGB, cut the info bar, resize (area average), then per channel
    /// (value × scale − mean) / std, in the manifest's channel order and layout. Gray is the luma 0.299 R + 0.587 G + 0.114 B.
    /// </summary>
    public static float[] Preprocess(byte[] image, string source, SemModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var input = manifest.Input ?? throw new ArgumentException("The manifest has no input section.", nameof(manifest));
        var rgb = manifest.Crop.Apply(ImageDecoder.DecodeRgb(image, source, Math.Max(input.Width, input.Height)));
        if (input.Resize.Equals("center-crop", StringComparison.OrdinalIgnoreCase))
        {
            var scale = Math.Max((double)input.Width / rgb.Width, (double)input.Height / rgb.Height);
            var w = Math.Min(rgb.Width, Math.Max(1, (int)Math.Round(input.Width / scale)));
            var h = Math.Min(rgb.Height, Math.Max(1, (int)Math.Round(input.Height / scale)));
            rgb = ImageOps.Crop(rgb, (rgb.Width - w) / 2, (rgb.Height - h) / 2, w, h);
        }

        var resized = (rgb.Width == input.Width && rgb.Height == input.Height) ? rgb : ImageOps.Resize(rgb, input.Width, input.Height);
        var channels = input.ChannelCount;
        var plane = input.Width * input.Height;
        var tensor = new float[plane * channels];
        var bgr = input.Channels.Equals("BGR", StringComparison.OrdinalIgnoreCase);
        var nchw = IsNchw(input);
        Span<float> mean = stackalloc float[channels];
        Span<float> invStd = stackalloc float[channels];
        for (var c = 0; c < channels; c++)
        {
            mean[c] = (float)(input.Mean?[c] ?? 0);
            invStd[c] = (float)(1 / (input.Std?[c] ?? 1));
        }

        var scaleValue = (float)input.Scale;
        var p = resized.Pixels;
        for (var i = 0; i < plane; i++)
        {
            float r = p[3 * i], g = p[(3 * i) + 1], b = p[(3 * i) + 2];
            for (var c = 0; c < channels; c++)
            {
                var v = channels == 1 ? (0.299f * r) + (0.587f * g) + (0.114f * b)
                    : (bgr ? c switch { 0 => b, 1 => g, _ => r } : c switch { 0 => r, 1 => g, _ => b });
                var normalised = ((v * scaleValue) - mean[c]) * invStd[c];
                tensor[nchw ? (c * plane) + i : (i * channels) + c] = normalised;
            }
        }

        return tensor;
    }

    public void Dispose() => _session.Dispose();

    private static bool IsNchw(OnnxInputSpec input) => input.Layout.Equals("NCHW", StringComparison.OrdinalIgnoreCase);

    private static void Softmax(Span<float> values)
    {
        var max = float.NegativeInfinity;
        foreach (var v in values)
        {
            max = Math.Max(max, v);
        }

        float sum = 0;
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = MathF.Exp(values[i] - max);
            sum += values[i];
        }

        for (var i = 0; i < values.Length; i++)
        {
            values[i] /= sum;
        }
    }
}
