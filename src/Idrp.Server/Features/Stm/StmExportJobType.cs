using System.Text.Json.Nodes;
using Idrp.Analysis.Stm;
using Idrp.Analysis.Stm.Export;
using Idrp.Analysis.Stm.Fast;
using Idrp.Analysis.Stm.Gwyddion;
using Idrp.Analysis.Stm.Matrix;
using Idrp.Domain.Jobs;

namespace Idrp.Server.Features.Stm;

/// <summary>Parameters of <c>stm.export</c>.</summary>
public sealed class StmExportParameters
{
    /// <summary>Write one .gwy per file, a channel per image (scan direction).</summary>
    public bool Gwy { get; set; } = true;

    /// <summary>Write one Gwyddion Simple Field (.gsf) per image.</summary>
    public bool Gsf { get; set; }

    /// <summary>Write a PNG (Gwyddion colours, scale bar) per image.</summary>
    public bool Png { get; set; } = true;
}

/// <summary>
/// <c>stm.export</c>: the images of Omicron MATRIX data files (every scan direction, in physical units from the
/// parameter file <c>PREFIX_0001.mtrx</c>, which must be among the inputs) and of FAST image sets (slow image, error
/// topography) to Gwyddion (.gwy, .gsf) and PNG under <c>stm/&lt;file name&gt;/</c>, derived from the data file (and the
/// parameter file). Spectroscopy curves, parameter files and other files are skipped and named in the log.
/// </summary>
internal sealed class StmExportJobType : JobType<StmExportParameters>
{
    public override string Name => "stm.export";

    public override string Version => "1";

    public override string Description => "Export the images of Omicron MATRIX files and FAST image sets to Gwyddion (.gwy, .gsf) and PNG.";

    protected override async Task RunAsync(IJobContext context, StmExportParameters parameters, CancellationToken cancellationToken)
    {
        if (!parameters.Gwy && !parameters.Gsf && !parameters.Png)
        {
            throw new JobFailedException("Nothing to write: set gwy, gsf or png.");
        }

        var relevant = context.Inputs.Where(i => IsMatrix(i.Name) || IsHdf5(i.Name)).ToList();
        foreach (var other in context.Inputs.Except(relevant))
        {
            context.Log($"{other.Path}: not a MATRIX or FAST file, skipped.");
        }

        var folder = await context.MaterializeInputsAsync(relevant, cancellationToken);
        var results = new JsonArray();
        var data = relevant.Where(i => !i.Name.EndsWith(".mtrx", StringComparison.OrdinalIgnoreCase)).ToList();
        for (var i = 0; i < data.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var input = data[i];
            context.ReportProgress((double)i / data.Count, $"Exporting {input.Name} ({i + 1} of {data.Count})");
            var path = Path.Combine(folder, input.Path);
            var (fields, derivedFrom) = Read(context, input, path, relevant);
            if (fields is null)
            {
                continue;
            }

            var target = input.RelativePath.Length == 0 ? $"{StmMovieJobType.Folder}/{input.Name}" : $"{StmMovieJobType.Folder}/{input.RelativePath}/{input.Name}";
            var stem = FastExport.SafeName(input.Name);
            var outputs = new JsonArray();
            async Task AddAsync(string name, Stream content, string mediaType)
            {
                await context.AddOutputAsync(name, content, mediaType, derivedFrom, target, cancellationToken);
                outputs.Add(name);
            }

            if (parameters.Gwy)
            {
                var gwy = Path.Combine(context.WorkDirectory, stem + ".gwy");
                GwyWriter.Write(gwy, fields);
                await using var stream = File.OpenRead(gwy);
                await AddAsync(stem + ".gwy", stream, "application/x-gwyddion");
            }

            foreach (var field in fields)
            {
                var name = $"{stem}_{FastExport.SafeName(field.Title)}";
                if (parameters.Gsf)
                {
                    using var gsf = new MemoryStream();
                    GsfWriter.Write(gsf, field);
                    gsf.Position = 0;
                    await AddAsync(name + ".gsf", gsf, "application/x-gwyddion-gsf");
                }

                if (parameters.Png)
                {
                    using var png = new MemoryStream(FastExport.FieldPng(field));
                    await AddAsync(name + ".png", png, "image/png");
                }
            }

            results.Add(new JsonObject { ["input"] = input.Path, ["images"] = fields.Count, ["folder"] = target, ["outputs"] = outputs });
        }

        if (results.Count == 0)
        {
            throw new JobFailedException("None of the inputs holds STM images (MATRIX image data with its parameter file, or a FAST image set).");
        }

        context.SetResult(new JsonObject { ["files"] = results });
        context.ReportProgress(1, $"{results.Count} file(s) exported");
    }

    private static (List<GwyField>? Fields, JobInputAsset[] DerivedFrom) Read(IJobContext context, JobInputAsset input, string path, List<JobInputAsset> all)
    {
        try
        {
            if (IsHdf5(input.Name))
            {
                using var fast = FastFile.Open(path);
                if (fast.Kind != FastFileKind.ImageSet)
                {
                    context.Log($"{input.Path}: a FAST {fast.Kind} file, skipped (stm.movie converts movies).");
                    return (null, []);
                }

                return (FastExport.ImageSetFields(fast), [input]);
            }

            var parameterPath = StmFiles.FindMatrixParameterFile(path);
            var parameterAsset = parameterPath is null ? null : all.FirstOrDefault(a => a.RelativePath == input.RelativePath && a.Name == Path.GetFileName(parameterPath));
            if (parameterPath is null || parameterAsset is null)
            {
                context.Log($"{input.Path}: its parameter file (PREFIX_0001.mtrx) is not among the inputs, skipped.", JobLogLevel.Warning);
                return (null, []);
            }

            return (FastExport.MatrixFields(path, MatrixParameterFile.Read(parameterPath)), [input, parameterAsset]);
        }
        catch (MatrixFormatException e) when (e.Message.Contains("not an image", StringComparison.Ordinal))
        {
            context.Log($"{input.Path}: spectroscopy curves, not images, skipped.");
        }
        catch (Exception e) when (e is MatrixFormatException or FastFormatException or InvalidDataException or NotSupportedException or FormatException)
        {
            context.Log($"{input.Path}: {e.Message}", JobLogLevel.Warning);
        }

        return (null, []);
    }

    private static bool IsMatrix(string name) => name.EndsWith(".mtrx", StringComparison.OrdinalIgnoreCase) || name.EndsWith("_mtrx", StringComparison.OrdinalIgnoreCase);

    private static bool IsHdf5(string name) => name.EndsWith(".h5", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".hdf5", StringComparison.OrdinalIgnoreCase);
}
