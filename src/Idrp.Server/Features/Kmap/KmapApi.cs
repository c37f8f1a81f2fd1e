using System.Runtime.InteropServices;
using System.Text.Json;
using Idrp.Analysis.Kmap;
using Idrp.Analysis.Kmap.Viewer;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Idrp.Infrastructure.Storage;
using Idrp.Server.Access;
using Idrp.Server.Api;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Idrp.Server.Features.Kmap;

/// <summary>The Q grid of a run: bins along qx, qy, qz and the box they span (1/Angstrom, bin edges: qxMin, qxMax, qyMin, …).</summary>
public sealed record KmapGridResponse(int[] Shape, double[] Box);

/// <summary>Where the scan points lie: a raster of <c>Columns</c> x <c>Rows</c>, each point's column and row, and the sample extent in micrometres.</summary>
public sealed record KmapRasterResponse(int Columns, int Rows, double XMin, double XMax, double YMin, double YMax, double Dx, double Dy);

/// <summary>
/// One kmap.reduce run as the viewer needs it: its maps (arrays indexed like <c>PointIndex</c>; null where a fit failed),
/// the raster, the Q grid, and what a re-run needs (the inputs read and the parameters).
/// </summary>
public sealed record KmapRunResponse(
    Guid MapsAssetId, Guid QSpaceAssetId, Guid MeasurementId, Guid? JobId, string? TypeVersion,
    IReadOnlyList<Guid> Inputs, JsonElement? Parameters, double D0,
    KmapRasterResponse Raster, int[] PointIndex, double[] SampleX, double[] SampleY, int[] Column, int[] Row, int[] FitStatus,
    IReadOnlyDictionary<string, double?[]> Maps, KmapGridResponse Grid);

/// <summary>
/// The KMAP viewer's data: a kmap.reduce run's maps and, one scan point at a time, its Q-space cube. Read from the run's
/// maps.h5 and qspace.h5 assets with PureHDF; reading follows the rule for downloading those assets.
/// </summary>
internal static class KmapApi
{
    public static RouteGroupBuilder MapKmap(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/kmap").WithTags("KMAP").AllowAnonymous();
        group.MapGet("/runs/{assetId:guid}", GetRun).WithName("GetKmapRun")
            .WithSummary("A kmap.reduce run, found by any of its outputs: maps, raster, Q grid, inputs and parameters.");
        group.MapGet("/runs/{assetId:guid}/points/{point:int}/cube", GetCube).WithName("GetKmapCube")
            .WithSummary("One scan point's Q-space cube, hit-normalised, as little-endian float32 in C order (qx slowest); shape in X-Kmap-Shape.");
        return group;
    }

    private static async Task<Results<Ok<KmapRunResponse>, ProblemHttpResult>> GetRun(Guid assetId, AccessService access, IdrpDbContext db, IBlobStore store, CancellationToken ct)
    {
        var run = await FindRunAsync(assetId, access, db, ct);
        if (run is null)
        {
            return Problems.NotFound("kmap.reduce output", assetId);
        }

        MapsData maps;
        QSpaceSummary grid;
        try
        {
            await using (var stream = await OpenSeekableAsync(store, run.Maps, ct))
            {
                maps = MapsFileReader.Read(stream, run.Maps.DataAssetName);
            }

            await using (var stream = await OpenSeekableAsync(store, run.QSpace, ct))
            {
                grid = QSpacePointReader.ReadSummary(stream, run.QSpace.DataAssetName);
            }
        }
        catch (KmapException e)
        {
            return Problems.Conflict(e.Message);
        }

        var derivation = run.Derivation;
        var e0 = maps.Extent;
        return TypedResults.Ok(new KmapRunResponse(
            run.Maps.Id, run.QSpace.Id, run.Maps.MeasurementId, derivation.JobId, derivation.ActivityVersion,
            derivation.Inputs.Select(i => i.AssetId).ToList(),
            derivation.Parameters is { } p ? JsonDocument.Parse(p).RootElement.Clone() : null,
            maps.D0,
            new KmapRasterResponse(maps.Columns, maps.Rows, e0.XMin, e0.XMax, e0.YMin, e0.YMax, e0.Dx, e0.Dy),
            maps.PointIndex, maps.SampleX, maps.SampleY, maps.Column, maps.Row, maps.FitStatus,
            maps.Maps.ToDictionary(m => m.Key, m => m.Value.Select(v => double.IsFinite(v) ? v : (double?)null).ToArray()),
            new KmapGridResponse([grid.Shape.X, grid.Shape.Y, grid.Shape.Z], [grid.Box.XMin, grid.Box.XMax, grid.Box.YMin, grid.Box.YMax, grid.Box.ZMin, grid.Box.ZMax])));
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetCube(Guid assetId, int point, HttpContext http, AccessService access, IdrpDbContext db, IBlobStore store, CancellationToken ct)
    {
        var run = await FindRunAsync(assetId, access, db, ct);
        if (run is null)
        {
            return Problems.NotFound("kmap.reduce output", assetId);
        }

        PointCube? cube;
        try
        {
            await using var stream = await OpenSeekableAsync(store, run.QSpace, ct);
            cube = QSpacePointReader.ReadPoint(stream, run.QSpace.DataAssetName, point);
        }
        catch (KmapException e)
        {
            return Problems.Conflict(e.Message);
        }

        if (cube is null)
        {
            return Problems.NotFound($"The run holds no scan point {point} (it may lie outside the sample ROI).");
        }

        var bytes = new byte[cube.Values.Length * sizeof(float)];
        MemoryMarshal.AsBytes(cube.Values.AsSpan()).CopyTo(bytes);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Cubes are sent little-endian.");
        }

        http.Response.Headers["X-Kmap-Shape"] = $"{cube.Shape.X},{cube.Shape.Y},{cube.Shape.Z}";
        // The asset is immutable (a job output): the same URL always answers the same bytes.
        http.Response.Headers.CacheControl = "private, max-age=86400";
        return TypedResults.Bytes(bytes, "application/octet-stream");
    }

    internal sealed record Run(DataAsset Maps, DataAsset QSpace, Derivation Derivation);

    /// <summary>
    /// The run <paramref name="assetId"/> belongs to: the outputs of the same kmap.reduce job named maps.h5 and qspace.h5,
    /// both readable by the caller. Null (404) for anything else, exactly as for an asset the caller may not read.
    /// </summary>
    internal static async Task<Run?> FindRunAsync(Guid assetId, AccessService access, IdrpDbContext db, CancellationToken ct)
    {
        var readable = db.DataAssets.Where(access.Rules.CanReadDataAsset()).AsNoTracking();
        if (!await readable.AnyAsync(a => a.Id == assetId && a.State == AssetState.Complete, ct))
        {
            return null;
        }

        var jobId = await db.Derivations.AsNoTracking()
            .Where(d => d.OutputAssetId == assetId && d.Activity == KmapReduceJobType.TypeName && d.JobId != null)
            .Select(d => d.JobId).FirstOrDefaultAsync(ct);
        if (jobId is null)
        {
            return null;
        }

        var outputs = await db.Derivations.AsNoTracking()
            .Where(d => d.JobId == jobId && d.OutputAssetId != null)
            .Join(readable.Where(a => a.State == AssetState.Complete), d => d.OutputAssetId, a => a.Id, (d, a) => new { Derivation = d, Asset = a })
            .ToListAsync(ct);
        var maps = outputs.FirstOrDefault(o => o.Asset.DataAssetName == KmapReduceJobType.MapsName);
        var qspace = outputs.FirstOrDefault(o => o.Asset.DataAssetName == KmapReduceJobType.QSpaceName);
        if (maps is null || qspace is null)
        {
            return null;
        }

        maps.Derivation.Inputs = await db.Set<DerivationInput>().AsNoTracking().Where(i => i.DerivationId == maps.Derivation.Id).ToListAsync(ct);
        return new Run(maps.Asset, qspace.Asset, maps.Derivation);
    }

    /// <summary>PureHDF seeks: local blobs are files; a blob from S3 is first copied to a temporary file, removed on close.</summary>
    private static async Task<Stream> OpenSeekableAsync(IBlobStore store, DataAsset asset, CancellationToken ct)
    {
        var stream = await store.OpenReadAsync(asset.BlobKey!, ct);
        if (stream.CanSeek)
        {
            return stream;
        }

        await using (stream)
        {
            var copy = new FileStream(Path.Combine(Path.GetTempPath(), "idrp-kmap-" + Guid.NewGuid().ToString("N")), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
            await stream.CopyToAsync(copy, 1 << 20, ct);
            copy.Position = 0;
            return copy;
        }
    }
}
