namespace Idrp.Analysis.Sem.Model;

/// <summary>
/// A loaded classifier: the built-in feature model or an ONNX network. <see cref="Predict"/> is thread-safe, so
/// callers classify many images at once; dispose when done (native sessions).
/// </summary>
public interface ISemModel : IDisposable
{
    SemModelManifest Manifest { get; }

    /// <summary>One probability per <see cref="SemModelManifest.Labels"/> entry, summing to 1.</summary>
    /// <exception cref="Imaging.ImageDecodeException">The image cannot be read; the message names <paramref name="source"/>.</exception>
    float[] Predict(byte[] image, string source);
}

/// <summary>Opens model folders.</summary>
public static class SemModels
{
    /// <summary>Loads the model in <paramref name="directory"/> according to its <c>model.json</c>.</summary>
    /// <exception cref="SemModelException">Not a usable model folder (names the file and the problem).</exception>
    public static ISemModel Load(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var manifest = SemModelManifest.Read(directory);
        return manifest.Kind == "onnx" ? OnnxSemModel.Load(directory, manifest) : FeatureSemModel.Load(directory, manifest);
    }
}
