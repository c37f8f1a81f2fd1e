using System.Text.Json.Nodes;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Extraction;
using Idrp.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Idrp.Server.Features.Uploads;

/// <summary>
/// What a stored file says about itself goes into its data asset (technical metadata, or the note saying why
/// there is none) and into its measurement (instrument settings the measurement does not have yet). One rule for
/// every way bytes arrive: tus uploads and batch uploads.
/// </summary>
internal static class AssetExtraction
{
    /// <summary>
    /// Records <paramref name="result"/> on the asset, its settings on the measurement and its preparation (an STM
    /// logbook's) on the measurement's Sample; saved by the caller's next commit.
    /// </summary>
    public static async Task ApplyAsync(DataAsset asset, ExtractionResult result, IdrpDbContext db, CancellationToken ct)
    {
        // Loaded only when needed; a measurement the context already tracks (a batch's) is not read again.
        var measurement = result.Settings.Count > 0 ? await db.Measurements.FirstAsync(m => m.Id == asset.MeasurementId, ct) : null;
        var sample = result.Preparations.Count > 0 ? await SamplePreparation.AttachAsync(db, asset.MeasurementId, result.Preparations, ct) : null;
        Apply(asset, result, measurement, sample);
    }

    /// <summary>
    /// Records <paramref name="result"/> on the asset; <paramref name="measurement"/> (null when the result has no
    /// settings) gets the settings it does not have yet; <paramref name="sample"/> is what preparation was attached to.
    /// </summary>
    public static void Apply(DataAsset asset, ExtractionResult result, Measurement? measurement, JsonObject? sample = null)
    {
        var record = new JsonObject { ["extractor"] = result.Extractor };
        if (result.Note is not null)
        {
            record["note"] = result.Note;
        }

        foreach (var (key, value) in result.Technical.ToList())
        {
            result.Technical.Remove(key);
            record[key] = value;
        }

        if (result.Settings.Count > 0 && measurement is not null)
        {
            record["settings"] = new JsonArray([.. result.Settings
                .Select(s => (JsonNode)new JsonObject { ["key"] = s.Key, ["value"] = s.Value, ["unit"] = s.Unit })]);
            var known = measurement.Settings.Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
            var added = result.Settings.Where(s => known.Add(s.Key)).Select(s => new InstrumentSetting
            {
                Key = s.Key,
                Value = s.Value,
                Kind = s.Number is null ? SettingKind.Text : SettingKind.Number,
                NumericValue = s.Number,
                Unit = s.Unit,
            }).ToList();
            if (added.Count > 0)
            {
                measurement.Settings = [.. measurement.Settings, .. added];
            }
        }

        if (sample is not null)
        {
            record["sample"] = sample;
        }

        asset.ExtractedMetadata = record.ToJsonString();
    }
}
