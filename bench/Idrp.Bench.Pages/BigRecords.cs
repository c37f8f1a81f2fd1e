using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;

namespace Idrp.Bench.Pages;

/// <summary>
/// The records that make a page big, added to the generated data set: a proposal with <see cref="Experiments"/>
/// experiments and <c>measurements</c> measurements (half of them in its first experiment), whose first measurement
/// holds <c>files</c> data assets. Written through EF Core, like the rest of the small tables.
/// </summary>
internal static class BigRecords
{
    public const int Experiments = 20;

    public static async Task<(Guid Proposal, Guid Experiment, Guid Measurement)> AddAsync(IdrpDbContext db, int measurements, int files, CancellationToken ct)
    {
        var proposal = new Proposal { ProposalNumber = "NFFA-BIG-0001", Title = "A proposal with many experiments and measurements" };
        var experiments = Enumerable.Range(0, Experiments).Select(e => new Experiment { ProposalId = proposal.Id, Name = $"Big beamtime {e:00}" }).ToArray();
        db.Proposals.Add(proposal);
        db.Experiments.AddRange(experiments);
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();

        var rows = Enumerable.Range(0, measurements).Select(i => new Measurement
        {
            ProposalId = proposal.Id,
            ExperimentId = experiments[i < measurements / 2 ? 0 : i % Experiments].Id,
            MeasurementName = $"Big scan {i:00000}",
            Technique = "SEM",
            Visibility = i % 2 == 0 ? Visibility.Private : Visibility.Public,
            Settings = [new InstrumentSetting { Key = "EHT", Value = "5", Kind = SettingKind.Number, NumericValue = 5, Unit = "kV" }],
        }).ToList();
        db.Measurements.AddRange(rows);
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();

        var big = rows[0];
        for (var start = 0; start < files; start += 2_000)
        {
            db.DataAssets.AddRange(Enumerable.Range(start, Math.Min(2_000, files - start)).Select(i => new DataAsset
            {
                ProposalId = proposal.Id,
                MeasurementId = big.Id,
                DataAssetName = $"file_{i:00000}.tif",
                RelativePath = $"raw/tile-{i / 1000}",
                Storage = StorageKind.Linked,
                State = AssetState.Complete,
                LinkUri = $"https://archive.example.org/sem/file_{i:00000}.tif",
                DataSize = 2_359_808,
                DataChecksum = "sha256:" + new string('a', 64),
            }));
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
        }

        return (proposal.Id, experiments[0].Id, big.Id);
    }
}
