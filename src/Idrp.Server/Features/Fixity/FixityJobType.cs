using System.Text.Json;
using System.Text.Json.Nodes;
using Idrp.Domain.Jobs;
using Idrp.Infrastructure.Persistence;
using Idrp.Infrastructure.Storage;
using Microsoft.EntityFrameworkCore;

namespace Idrp.Server.Features.Fixity;

/// <summary>
/// The fixity check as a job: re-reads every input (by default every complete asset of the measurement) and stores
/// the report as the job's result. Proves the frame end to end with no scientific code involved.
/// </summary>
internal sealed class FixityJobType(IServiceScopeFactory scopes, IBlobStore store, ArchiveLinks archives, IHttpClientFactory httpClients, TimeProvider clock)
    : JobType<NoParameters>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public override string Name => "fixity";

    public override string Version => "1";

    public override string Description => "Re-read every data asset of a measurement (stored and linked) and compare size and checksum with the record.";

    public override JobInputs Inputs => JobInputs.Measurement;

    protected override async Task RunAsync(IJobContext context, NoParameters parameters, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdrpDbContext>();
        var ids = context.Inputs.Select(i => i.Id).ToList();
        var assets = await db.DataAssets.AsNoTracking().Where(a => ids.Contains(a.Id))
            .OrderBy(a => a.RelativePath).ThenBy(a => a.DataAssetName).ToListAsync(cancellationToken);
        var http = httpClients.CreateClient(FixityCheck.HttpClientName);
        var results = new List<FixityAssetResult>(assets.Count);
        var total = Math.Max(1, assets.Sum(a => a.DataSize ?? 0));
        long done = 0;
        foreach (var asset in assets)
        {
            context.ReportProgress((double)done / total, $"Checking {asset.DataAssetName} ({results.Count + 1} of {assets.Count})");
            var result = await FixityCheck.CheckAsync(asset, store, archives, http, cancellationToken);
            results.Add(result);
            done += asset.DataSize ?? 0;
            if (result.Status != FixityStatus.Ok)
            {
                context.Log($"{asset.DataAssetName}: {result.Status.ToString().ToLowerInvariant()}{(result.Reason is null ? "" : " — " + result.Reason)}", JobLogLevel.Warning);
            }
        }

        await FixityCheck.RecordAsync(db, results, clock.GetUtcNow(), cancellationToken);
        var report = new FixityReport(context.TargetMeasurementId, clock.GetUtcNow(), FixityCheck.Count(results), results);
        context.SetResult(JsonSerializer.SerializeToNode(report, Json)!);
        context.ReportProgress(1, $"{report.Counts.Ok} of {report.Counts.Checked} intact");
    }
}
