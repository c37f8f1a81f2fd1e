using System.Globalization;
using System.Text;
using Idrp.Analysis.Stm.Fast;
using Idrp.Analysis.Stm.Imaging;
using Idrp.Analysis.Stm.Matrix;

namespace Idrp.Analysis.Stm;

/// <summary>Kinds of STM files the library reads.</summary>
public enum StmFileKind
{
    /// <summary>FAST movie (1-D stream).</summary>
    FastMovie,
    /// <summary>FAST error topography or slow image (FW_/BW_ datasets).</summary>
    FastImageSet,
    /// <summary>FAST atom tracking table.</summary>
    FastAtomTracking,
    /// <summary>Omicron MATRIX parameter file (<c>*_0001.mtrx</c>).</summary>
    MatrixParameters,
    /// <summary>Omicron MATRIX data file (<c>*.Z_mtrx</c>, <c>*.I(V)_mtrx</c>, ...).</summary>
    MatrixData,
}

/// <summary>One instrument setting: text as recorded, the number when it is one, and its unit.</summary>
public sealed record StmSetting(string Key, string Text, double? Number, string? Unit);

/// <summary>What an STM file says about itself: its kind, settings with units, and technical facts (sizes, frame rate).</summary>
public sealed record StmFileSummary(StmFileKind Kind, IReadOnlyList<StmSetting> Settings, IReadOnlyDictionary<string, string> Technical);

/// <summary>
/// Entry points for tools that get an STM file without knowing its kind (the CLI's <c>stm info</c>, ingest
/// extractors, preview jobs): recognition, settings with units, and a preview image. Thread safe (stateless).
/// </summary>
public static class StmFiles
{
    private static readonly byte[] s_hdf5 = [0x89, (byte)'H', (byte)'D', (byte)'F', 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly byte[] s_matrix = Encoding.ASCII.GetBytes("ONTMATRX0101");

    /// <summary>Whether the first bytes and the name look like a FAST (HDF5) or MATRIX file this library reads.</summary>
    public static bool IsCandidate(string fileName, ReadOnlySpan<byte> head) =>
        head.StartsWith(s_matrix) || (head.StartsWith(s_hdf5) && (fileName.EndsWith(".h5", StringComparison.OrdinalIgnoreCase) || fileName.EndsWith(".hdf5", StringComparison.OrdinalIgnoreCase)));

    /// <summary>Describes the file at <paramref name="path"/>.</summary>
    /// <exception cref="FastFormatException">An HDF5 file without the FAST layout.</exception>
    /// <exception cref="MatrixFormatException">A corrupt MATRIX file.</exception>
    /// <exception cref="NotSupportedException">Neither FAST nor MATRIX.</exception>
    public static StmFileSummary Describe(string path)
    {
        using var stream = File.OpenRead(path);
        return Describe(stream, Path.GetFileName(path));
    }

    /// <summary>Describes a file from a seekable stream (e.g. an uploaded blob); <paramref name="fileName"/> tells MATRIX data channels apart.</summary>
    public static StmFileSummary Describe(Stream stream, string fileName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> head = stackalloc byte[12];
        var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        stream.Seek(0, SeekOrigin.Begin);
        if (head[..read].StartsWith(s_matrix))
        {
            return DescribeMatrix(stream, fileName);
        }

        if (!head[..read].StartsWith(s_hdf5))
        {
            throw new NotSupportedException($"'{fileName}' is neither a FAST (HDF5) nor an Omicron MATRIX file.");
        }

        using var file = FastFile.Open(stream, fileName);
        return DescribeFast(file);
    }

    /// <summary>Settings of a FAST file: every attribute, with the unit of its <c>.Unit</c> sibling.</summary>
    public static IReadOnlyList<StmSetting> Settings(FastMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var settings = new List<StmSetting>();
        foreach (var (key, value) in metadata.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            if (key.EndsWith(".Unit", StringComparison.Ordinal))
            {
                continue;
            }

            var unit = metadata.GetString(key + ".Unit");
            var number = value is string or bool ? null : metadata.GetDouble(key);
            var text = value switch
            {
                double d => d.ToString("R", CultureInfo.InvariantCulture),
                bool b => b ? "true" : "false",
                _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty,
            };
            settings.Add(new StmSetting(key, text, number is { } n && double.IsFinite(n) ? n : null, string.IsNullOrEmpty(unit) ? null : unit));
        }

        return settings;
    }

    /// <summary>
    /// Renders a preview PNG: a FAST movie's first up-forward frame (file phase, no corrections), a FAST image set's
    /// first image, or a MATRIX image's first scan direction (the parameter file <c>PREFIX_0001.mtrx</c> must lie
    /// beside it); 99 % contrast, "hot" colour map, enlarged to about <paramref name="size"/> pixels, with a scale bar
    /// when the lateral calibration is known.
    /// </summary>
    /// <exception cref="NotSupportedException">The file holds no image (atom tracking, spectroscopy, parameter file).</exception>
    public static void RenderPreviewPng(string path, Stream output, int size = 256)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 16);
        float[] values;
        int width, height;
        double? pixelNm;
        using (var stream = File.OpenRead(path))
        {
            Span<byte> head = stackalloc byte[12];
            var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            if (head[..read].StartsWith(s_matrix))
            {
                (values, width, height, pixelNm) = MatrixPreview(path);
            }
            else
            {
                stream.Seek(0, SeekOrigin.Begin);
                using var file = FastFile.Open(stream, Path.GetFileName(path));
                (values, width, height, pixelNm) = FastPreview(file);
            }
        }

        var scale = Math.Max(1, size / Math.Max(width, height));
        var options = new RenderOptions(ColorMap.Hot, ContrastLimits.Keep(values, 0.99), scale, pixelNm);
        var outWidth = FrameRenderer.OutputWidth(width, options);
        var outHeight = FrameRenderer.OutputHeight(height, options);
        var rgb = new byte[outWidth * outHeight * 3];
        FrameRenderer.Render(values, width, height, options, rgb);
        PngWriter.Write(output, rgb, outWidth, outHeight, new Dictionary<string, string> { ["Source"] = Path.GetFileName(path) });
    }

    /// <summary>The parameter file of a MATRIX data file: <c>PREFIX_0001.mtrx</c> beside <c>PREFIX--N_M.CHANNEL_mtrx</c>, or null.</summary>
    public static string? FindMatrixParameterFile(string dataPath)
    {
        var name = Path.GetFileName(dataPath);
        var separator = name.IndexOf("--", StringComparison.Ordinal);
        if (separator <= 0)
        {
            return null;
        }

        var candidate = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(dataPath)) ?? ".", name[..separator] + "_0001.mtrx");
        return File.Exists(candidate) ? candidate : null;
    }

    private static (float[], int, int, double?) FastPreview(FastFile file)
    {
        switch (file.Kind)
        {
            case FastFileKind.Movie:
                {
                    var reader = file.OpenMovie(FastChannels.UpForward);
                    var frame = new float[reader.FrameSize];
                    reader.ReadFrames(0, 1, frame);
                    return (frame, reader.Width, reader.Height, file.Metadata.WidthNm / reader.Width);
                }

            case FastFileKind.ImageSet:
                {
                    var image = file.ReadImages()[0];
                    var values = new float[image.Values.Length];
                    for (var i = 0; i < values.Length; i++)
                    {
                        values[i] = (float)image.Values[i];
                    }

                    return (values, image.Columns, image.Rows, file.Metadata.WidthNm / image.Columns);
                }

            default:
                throw new NotSupportedException($"'{file.Path}' is an atom-tracking file: it holds curves, not an image.");
        }
    }

    private static (float[], int, int, double?) MatrixPreview(string path)
    {
        var parameterPath = FindMatrixParameterFile(path)
            ?? throw new NotSupportedException($"'{Path.GetFileName(path)}' is a MATRIX parameter file or has no parameter file beside it: no image to preview.");
        var image = MatrixFile.ReadImages(path, MatrixParameterFile.Read(parameterPath))[0];
        var values = new float[image.Values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = double.IsNaN(image.Values[i]) ? float.NaN : (float)image.Values[i];
        }

        return (values, image.Columns, image.Rows, image.WidthMetres * 1e9 / image.Columns);
    }

    private static StmFileSummary DescribeFast(FastFile file)
    {
        var m = file.Metadata;
        var technical = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["format"] = "FAST HDF5",
            ["mode"] = m.Mode,
            ["fileFormatVersion"] = m.FileFormatVersion,
        };
        var kind = file.Kind switch
        {
            FastFileKind.Movie => StmFileKind.FastMovie,
            FastFileKind.ImageSet => StmFileKind.FastImageSet,
            _ => StmFileKind.FastAtomTracking,
        };
        if (file.Kind == FastFileKind.Movie)
        {
            var reader = file.OpenMovie(FastChannels.UpDownForward);
            technical["images"] = reader.ImageCount.ToString(CultureInfo.InvariantCulture);
            technical["frames(udf)"] = reader.FrameCount.ToString(CultureInfo.InvariantCulture);
            technical["frameSize"] = $"{reader.Width} x {reader.Height}";
            technical["framesPerSecond(udf)"] = reader.FramesPerSecond.ToString("R", CultureInfo.InvariantCulture);
            technical["samples"] = reader.SampleCount.ToString(CultureInfo.InvariantCulture);
            if (m.WidthNm is { } w && m.HeightNm is { } h)
            {
                technical["scanSize"] = string.Create(CultureInfo.InvariantCulture, $"{w} nm x {h} nm");
            }

            if (m.Signal is { } signal)
            {
                technical["signalCalibration"] = string.Create(CultureInfo.InvariantCulture, $"{signal.Scale:G6} {signal.Unit}/count + {signal.Offset:G6} {signal.Unit}");
            }
        }
        else if (file.Kind == FastFileKind.ImageSet)
        {
            var images = file.ReadImages();
            technical["images"] = string.Join(", ", images.Select(i => $"{i.DatasetName} {i.Columns}x{i.Rows}"));
        }
        else
        {
            var table = file.ReadAtomTracking();
            technical["samples"] = table.Rows.ToString(CultureInfo.InvariantCulture);
            technical["signals"] = table.Columns.ToString(CultureInfo.InvariantCulture);
        }

        return new StmFileSummary(kind, Settings(m), technical);
    }

    private static StmFileSummary DescribeMatrix(Stream stream, string fileName)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        var bytes = copy.ToArray();
        if (fileName.EndsWith(".mtrx", StringComparison.OrdinalIgnoreCase))
        {
            var parameters = MatrixParameterFile.Read(bytes, fileName);
            var settings = new List<StmSetting>();
            foreach (var (key, parameter) in parameters.InitialSettings.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                double? number = parameter.Value is double or long ? parameter.AsDouble() : null;
                settings.Add(new StmSetting(key, Convert.ToString(parameter.Value, CultureInfo.InvariantCulture) ?? string.Empty,
                    number is { } n && double.IsFinite(n) ? n : null, string.IsNullOrEmpty(parameter.Unit) ? null : parameter.Unit));
            }

            return new StmFileSummary(StmFileKind.MatrixParameters, settings, new Dictionary<string, string>
            {
                ["format"] = "Omicron MATRIX parameter file",
                ["channels"] = string.Join(", ", parameters.Channels.Values.Select(c => c.Name).Distinct().Order(StringComparer.Ordinal)),
                ["dataFiles"] = parameters.DataFiles.Count().ToString(CultureInfo.InvariantCulture),
            });
        }

        // a data file alone: its settings live in the parameter file of the session
        var dot = fileName.LastIndexOf('.');
        var channel = dot >= 0 && fileName.EndsWith("_mtrx", StringComparison.OrdinalIgnoreCase) ? fileName[(dot + 1)..^5] : "unknown";
        var separator = fileName.IndexOf("--", StringComparison.Ordinal);
        return new StmFileSummary(StmFileKind.MatrixData, [], new Dictionary<string, string>
        {
            ["format"] = "Omicron MATRIX data file",
            ["channel"] = channel,
            ["bytes"] = bytes.Length.ToString(CultureInfo.InvariantCulture),
            ["parameterFile"] = separator > 0 ? fileName[..separator] + "_0001.mtrx" : "unknown",
        });
    }
}
