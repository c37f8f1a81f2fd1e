using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;

namespace Idrp.Infrastructure.Extraction;

/// <summary>One instrument setting read from a file, e.g. EHT = 10 kV.</summary>
public sealed record ExtractedSetting(string Key, string Value, double? Number, string? Unit);

/// <summary>One recorded preparation of a sample: the sample's name as written and one line of history.</summary>
public sealed record ExtractedPreparation(string Sample, string Text);

/// <summary>
/// What a file told about itself: instrument settings (merged into the measurement), technical metadata
/// (kept on the data asset as JSON), and, when nothing could be read, why.
/// </summary>
public sealed record ExtractionResult(string Extractor, IReadOnlyList<ExtractedSetting> Settings, JsonObject Technical, string? Note)
{
    /// <summary>Sample preparation the file records (a lab logbook), for the measurement's Sample.</summary>
    public IReadOnlyList<ExtractedPreparation> Preparations { get; init; } = [];

    public static ExtractionResult Nothing(string note) => new("none", [], new JsonObject(), note);
}

/// <summary>Reads metadata from one kind of file. Implementations read headers, not whole files, and never throw for bad input.</summary>
public interface IMetadataExtractor
{
    string Name { get; }

    /// <summary>Whether this extractor reads files that start with <paramref name="head"/> (magic bytes) or have this name.</summary>
    bool Accepts(string fileName, ReadOnlySpan<byte> head);

    /// <summary>Reads <paramref name="file"/> (seekable). May throw for corrupt input; the caller turns that into a note.</summary>
    ExtractionResult Extract(Stream file, string fileName, CancellationToken cancellationToken);
}

/// <summary>
/// Picks the extractor for a file by its first bytes (then its name) and runs it. A file nobody reads, or one
/// that is corrupt, is never refused: the result says why nothing was extracted.
/// </summary>
public sealed class MetadataExtraction(IEnumerable<IMetadataExtractor> extractors)
{
    private const int HeadLength = 16;

    /// <summary>The file's first bytes that <see cref="Reads"/> looks at.</summary>
    public const int HeadBytes = HeadLength;

    /// <summary>
    /// Whether any extractor reads a file with this name and these first bytes (at least <see cref="HeadBytes"/>, or
    /// the whole file if shorter): when not, <see cref="Extract"/> would only say so, and the file need not be opened.
    /// </summary>
    public bool Reads(string fileName, ReadOnlySpan<byte> head)
    {
        head = head[..Math.Min(head.Length, HeadLength)];
        foreach (var extractor in extractors)
        {
            if (extractor.Accepts(fileName, head))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>What <see cref="Extract"/> answers for a file no extractor reads.</summary>
    public static ExtractionResult Unread() => ExtractionResult.Nothing("No metadata extractor reads this kind of file.");

    public ExtractionResult Extract(Stream file, string fileName, CancellationToken cancellationToken)
    {
        Span<byte> head = stackalloc byte[HeadLength];
        int read;
        try
        {
            read = file.ReadAtLeast(head, HeadLength, throwOnEndOfStream: false);
            file.Seek(0, SeekOrigin.Begin);
        }
        catch (IOException e)
        {
            return ExtractionResult.Nothing($"The file could not be read: {e.Message}");
        }

        foreach (var extractor in extractors)
        {
            if (!extractor.Accepts(fileName, head[..read]))
            {
                continue;
            }

            try
            {
                return extractor.Extract(file, fileName, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Corrupt or unexpected files are stored as they are; the note says why there is no metadata.
                return ExtractionResult.Nothing($"{extractor.Name} could not read this file: {e.GetType().Name}: {e.Message}");
            }
        }

        return Unread();
    }
}

public static class ExtractionServiceCollectionExtensions
{
    /// <summary>Registers the metadata extractors; a new file kind is one more <see cref="IMetadataExtractor"/>.</summary>
    public static IServiceCollection AddIdrpExtraction(this IServiceCollection services)
    {
        services.AddSingleton<IMetadataExtractor, ImageExtractor>();
        services.AddSingleton<IMetadataExtractor, LogbookExtractor>();
        services.AddSingleton<IMetadataExtractor, StmExtractor>(); // before Hdf5Extractor: FAST files are HDF5
        services.AddSingleton<IMetadataExtractor, Hdf5Extractor>();
        services.AddSingleton<MetadataExtraction>();
        return services;
    }
}
