using Idrp.Domain.Model;
using Idrp.Infrastructure.Extraction;
using Idrp.Infrastructure.Persistence;
using Idrp.Infrastructure.Persistence.Configurations;
using Microsoft.EntityFrameworkCore;

namespace Idrp.Server.Features.Uploads;

/// <summary>
/// Attaches preparation read from an uploaded file (an STM logbook) to the measurement's Sample. A measurement with a
/// Sample gets the entries that name it (all entries when none does: the logbook was uploaded to this measurement);
/// one without a Sample is linked to the Sample of its proposal named as in the last entry, which is created when there
/// is none, and gets that sample's entries. Lines already in the Sample's preparation are not repeated, so uploading
/// the same logbook twice changes nothing. Changes are saved (and audited) with the upload's extraction.
/// </summary>
internal static class SamplePreparation
{
    /// <summary>Returns the Sample's name and how many lines were added, for the asset's extracted metadata.</summary>
    public static async Task<System.Text.Json.Nodes.JsonObject> AttachAsync(IdrpDbContext db, Guid measurementId, IReadOnlyList<ExtractedPreparation> preparations, CancellationToken ct)
    {
        var measurement = await db.Measurements.Include(m => m.Sample).FirstAsync(m => m.Id == measurementId, ct);
        var sample = measurement.Sample;
        var created = false;
        if (sample is null)
        {
            var name = preparations[^1].Sample.Trim();
            name = name[..Math.Min(name.Length, Limits.Name)];
            sample = await db.Samples.FirstOrDefaultAsync(s => s.ProposalId == measurement.ProposalId && s.Name == name, ct);
            if (sample is null)
            {
                sample = new Sample { ProposalId = measurement.ProposalId, Name = name };
                db.Samples.Add(sample);
                created = true;
            }

            measurement.Sample = sample;
        }

        var named = preparations.Where(p => string.Equals(p.Sample.Trim(), sample.Name.Trim(), StringComparison.OrdinalIgnoreCase)).ToList();
        var lines = (named.Count > 0 ? named : preparations).Select(p => p.Text).ToList();
        var existing = (sample.Preparation ?? string.Empty).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        var text = sample.Preparation?.TrimEnd() ?? string.Empty;
        int added = 0, skipped = 0;
        foreach (var line in lines.Where(existing.Add))
        {
            var longer = text.Length == 0 ? line : text + "\n" + line;
            if (longer.Length > Limits.Text)
            {
                skipped++; // the preparation field is full; the entries stay in the asset's metadata
                continue;
            }

            text = longer;
            added++;
        }

        if (added > 0)
        {
            sample.Preparation = text;
        }

        var result = new System.Text.Json.Nodes.JsonObject { ["name"] = sample.Name, ["created"] = created, ["preparationLinesAdded"] = added };
        if (skipped > 0)
        {
            result["preparationLinesSkipped"] = skipped;
        }

        return result;
    }
}
