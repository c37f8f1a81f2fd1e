using Idrp.Analysis.Sem.Model;
using Idrp.Domain.Access;
using Idrp.Domain.Jobs;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Idrp.Infrastructure.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Idrp.Server.Features.Sem;

/// <summary>A model ready to classify with, and the data asset (its model.json) it came from, if any.</summary>
internal sealed record LocatedModel(ISemModel Model, Guid? ManifestAssetId, string Origin);

/// <summary>
/// Finds the model a <c>sem.classify</c> job uses: the model asset the job names; else the operator's folder
/// (<see cref="SemOptions.ModelDirectory"/>); else the newest model a <c>sem.train</c> job wrote that the job's owner
/// may read. A model held as assets (the folder sem-models/&lt;version&gt;/ of a measurement) is copied into the
/// job's work folder and loaded from there.
/// </summary>
internal sealed class SemModelLocator(IServiceScopeFactory scopes, IBlobStore store, IOptions<SemOptions> options, TimeProvider clock)
{
    public const string ManifestName = SemModelManifest.FileName;

    public async Task<LocatedModel> LoadAsync(IJobContext context, Guid? modelAssetId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdrpDbContext>();
        var readable = db.DataAssets.AsNoTracking().Where((await OwnerRulesAsync(db, context.JobId, cancellationToken)).CanReadDataAsset());
        DataAsset? manifest;
        if (modelAssetId is { } id)
        {
            manifest = await readable.FirstOrDefaultAsync(a => a.Id == id, cancellationToken);
            if (manifest is null || manifest.DataAssetName != ManifestName || manifest.State != AssetState.Complete)
            {
                throw new JobFailedException($"The model asset {id} is not a complete {ManifestName} that the job's owner may read.");
            }
        }
        else if (!string.IsNullOrWhiteSpace(options.Value.ModelDirectory))
        {
            return new LocatedModel(Load(options.Value.ModelDirectory), null, "Sem:ModelDirectory");
        }
        else
        {
            manifest = await Newest(db, readable).FirstOrDefaultAsync(cancellationToken)
                ?? throw new JobFailedException("There is no SEM model yet: run a sem.train job on labelled images, name a model asset (modelAssetId), or configure Sem:ModelDirectory.");
        }

        var folder = Path.Combine(context.WorkDirectory, "model");
        Directory.CreateDirectory(folder);
        var files = await db.DataAssets.AsNoTracking()
            .Where(a => a.MeasurementId == manifest.MeasurementId && a.RelativePath == manifest.RelativePath && a.State == AssetState.Complete && a.Storage == StorageKind.Stored)
            .ToListAsync(cancellationToken);
        foreach (var file in files)
        {
            await using var source = await store.OpenReadAsync(file.BlobKey!, cancellationToken);
            await using var target = File.Create(Path.Combine(folder, file.DataAssetName));
            await source.CopyToAsync(target, cancellationToken);
        }

        return new LocatedModel(Load(folder), manifest.Id, $"{manifest.RelativePath}/{manifest.DataAssetName}");
    }

    /// <summary>The model.json assets written by sem.train jobs, newest first (ids are time-ordered).</summary>
    public static IQueryable<DataAsset> Newest(IdrpDbContext db, IQueryable<DataAsset> readable) =>
        readable.Where(a => a.DataAssetName == ManifestName && a.State == AssetState.Complete
                && db.Derivations.Any(d => d.OutputAssetId == a.Id && d.Activity == SemTrainJobType.ActivityName))
            .OrderByDescending(a => a.Id);

    private async Task<AccessRules> OwnerRulesAsync(IdrpDbContext db, Guid jobId, CancellationToken cancellationToken)
    {
        var owner = await db.Jobs.AsNoTracking().Where(j => j.Id == jobId)
            .Select(j => new { j.OwnerId, IsAdmin = db.People.Where(p => p.Id == j.OwnerId).Select(p => p.IsAdmin).FirstOrDefault() })
            .FirstAsync(cancellationToken);
        return new AccessRules(new Actor(owner.OwnerId, owner.IsAdmin, TokenScope.ReadWrite), clock.GetUtcNow());
    }

    private static ISemModel Load(string folder)
    {
        try
        {
            return SemModels.Load(folder);
        }
        catch (SemModelException e)
        {
            throw new JobFailedException($"The SEM model cannot be loaded: {e.Message}");
        }
    }
}
