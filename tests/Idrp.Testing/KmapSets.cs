using Idrp.Analysis.Kmap.Synthetic;

namespace Idrp.Testing;

/// <summary>A small synthetic KMAP (SyntheticKmap) uploaded into a measurement: master, entry files and ground truth.</summary>
public sealed record UploadedKmap(SyntheticKmapTruth Truth, Guid MasterId, IReadOnlyList<Guid> EntryIds, Guid GroundTruthId);

public static class KmapSets
{
    /// <summary>
    /// Generates an <paramref name="nx"/> x <paramref name="ny"/> point set with <paramref name="angles"/> rocking angles of the
    /// full 516 x 516 detector and uploads every file into the measurement (the ground truth too, which a reduction must not read).
    /// </summary>
    public static async Task<UploadedKmap> UploadSyntheticAsync(this ApiClient client, Guid measurementId, int nx = 4, int ny = 3, int angles = 21)
    {
        var directory = Directory.CreateTempSubdirectory("idrp-kmap-").FullName;
        try
        {
            var truth = SyntheticKmap.Generate(directory, new SyntheticKmapOptions { Nx = nx, Ny = ny, Angles = angles, MaxDegreeOfParallelism = 2 });
            Guid master = default, groundTruth = default;
            var entries = new List<Guid>();
            foreach (var file in Directory.GetFiles(directory).Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileName(file);
                var id = await client.UploadFileAsync(measurementId, name, await File.ReadAllBytesAsync(file));
                switch (name)
                {
                    case SyntheticKmap.MasterFileName: master = id; break;
                    case SyntheticKmap.GroundTruthFileName: groundTruth = id; break;
                    default: entries.Add(id); break;
                }
            }

            return new UploadedKmap(truth, master, entries, groundTruth);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
