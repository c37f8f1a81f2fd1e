namespace Idrp.Server.Features.Sem;

/// <summary>Settings of the SEM classifier jobs (section "Sem").</summary>
public sealed class SemOptions
{
    public const string Section = "Sem";

    /// <summary>
    /// A model folder the operator provides (a <c>model.json</c> for an ONNX network or a built-in model trained with
    /// <c>idrp sem train</c>). When set, <c>sem.classify</c> uses it unless the job names a model asset; when empty,
    /// the newest model trained by a <c>sem.train</c> job that the submitter can read.
    /// </summary>
    public string? ModelDirectory { get; set; }
}

/// <summary>Names shared by the SEM job types, the confirmation API and the web UI.</summary>
public static class SemNames
{
    /// <summary>The category scheme of SEM images (NFFA-Europe's ten categories, or a facility's own).</summary>
    public const string Scheme = "sem-category";

    /// <summary>The folder a trained model is written to, under the training measurement: sem-models/&lt;version&gt;/.</summary>
    public const string ModelFolder = "sem-models";

    /// <summary>Folders of job outputs that are never classified or trained on.</summary>
    public static bool IsOutputFolder(string relativePath) =>
        relativePath == ModelFolder || relativePath.StartsWith(ModelFolder + "/", StringComparison.Ordinal)
        || relativePath == Previews.ThumbnailJobType.Folder || relativePath.StartsWith(Previews.ThumbnailJobType.Folder + "/", StringComparison.Ordinal);

    /// <summary>An image the classifier can read, by media type or file name, outside the output folders.</summary>
    public static bool IsImage(Domain.Jobs.JobInputAsset asset) =>
        !IsOutputFolder(asset.RelativePath)
        && (Analysis.Sem.Dataset.SemDataset.IsImageFile(asset.Name) || asset.MediaType?.StartsWith("image/", StringComparison.OrdinalIgnoreCase) == true);
}
