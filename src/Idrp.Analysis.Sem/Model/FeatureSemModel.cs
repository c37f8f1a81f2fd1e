using Idrp.Analysis.Sem.Features;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Idrp.Analysis.Sem.Model;

/// <summary>The built-in model: <see cref="SemFeatures"/> fed to an ML.NET multiclass model saved as <c>model.zip</c>.</summary>
public sealed class FeatureSemModel : ISemModel
{
    private readonly ITransformer _transformer;
    private readonly MLContext _ml;
    private readonly int[] _scoreToLabel;
    private readonly ThreadLocal<PredictionEngine<FeatureRow, ScoreRow>> _engines;

    private FeatureSemModel(SemModelManifest manifest, MLContext ml, ITransformer transformer)
    {
        Manifest = manifest;
        _ml = ml;
        _transformer = transformer;
        _engines = new ThreadLocal<PredictionEngine<FeatureRow, ScoreRow>>(
            () => _ml.Model.CreatePredictionEngine<FeatureRow, ScoreRow>(_transformer, inputSchemaDefinition: FeatureRow.Schema()), trackAllValues: true);

        // The Score vector follows the label key's order; map it onto the manifest's label order.
        var schema = transformer.GetOutputSchema(SchemaDefinitionToSchema());
        VBuffer<ReadOnlyMemory<char>> names = default;
        schema["Score"].GetSlotNames(ref names);
        var slotNames = names.DenseValues().Select(n => n.ToString()).ToArray();
        _scoreToLabel = new int[slotNames.Length];
        for (var i = 0; i < slotNames.Length; i++)
        {
            _scoreToLabel[i] = manifest.Labels.ToList().IndexOf(slotNames[i]);
            if (_scoreToLabel[i] < 0)
            {
                throw new SemModelException($"model.zip predicts '{slotNames[i]}', which model.json does not list");
            }
        }
    }

    public SemModelManifest Manifest { get; }

    internal static FeatureSemModel Load(string directory, SemModelManifest manifest)
    {
        if (manifest.FeatureSet != SemFeatures.Version)
        {
            throw new SemModelException($"{Path.Combine(directory, SemModelManifest.FileName)}: trained on features '{manifest.FeatureSet}', this build computes '{SemFeatures.Version}'; train the model again");
        }

        var path = Path.Combine(directory, manifest.Model!);
        if (!File.Exists(path))
        {
            throw new SemModelException($"{path} is missing");
        }

        var ml = new MLContext(seed: 1);
        ITransformer transformer;
        try
        {
            transformer = ml.Model.Load(path, out _);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or InvalidDataException or ArgumentException)
        {
            throw new SemModelException($"{path} is not a readable ML.NET model: {e.Message}", e);
        }

        return new FeatureSemModel(manifest, ml, transformer);
    }

    internal static FeatureSemModel FromTrained(SemModelManifest manifest, MLContext ml, ITransformer transformer) => new(manifest, ml, transformer);

    public float[] Predict(byte[] image, string source) => PredictFeatures(SemFeatures.Extract(image, source, Manifest.Crop));

    /// <summary>Probabilities for an already computed feature vector (<see cref="SemFeatures.Count"/> values).</summary>
    public float[] PredictFeatures(float[] features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var score = _engines.Value!.Predict(new FeatureRow { Features = features, Label = string.Empty }).Score;
        var probabilities = new float[Manifest.Labels.Count];
        for (var i = 0; i < score.Length; i++)
        {
            probabilities[_scoreToLabel[i]] = score[i];
        }

        return probabilities;
    }

    public void Dispose()
    {
        foreach (var engine in _engines.Values)
        {
            engine.Dispose();
        }

        _engines.Dispose();
    }

    private DataViewSchema SchemaDefinitionToSchema() => _ml.Data.LoadFromEnumerable(Array.Empty<FeatureRow>(), FeatureRow.Schema()).Schema;
}

/// <summary>ML.NET input row: the feature vector and the label (empty when predicting).</summary>
internal sealed class FeatureRow
{
    public float[] Features { get; set; } = [];

    public string Label { get; set; } = string.Empty;

    /// <summary>The vector's length is known only at run time (<see cref="SemFeatures.Count"/>), so the schema says it.</summary>
    public static SchemaDefinition Schema()
    {
        var schema = SchemaDefinition.Create(typeof(FeatureRow));
        schema[nameof(Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, SemFeatures.Count);
        return schema;
    }
}

/// <summary>ML.NET output: one probability per label key.</summary>
internal sealed class ScoreRow
{
    public float[] Score { get; set; } = [];
}
