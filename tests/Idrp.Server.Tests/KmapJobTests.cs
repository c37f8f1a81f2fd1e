using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Idrp.Testing;

namespace Idrp.Server.Tests;

/// <summary>
/// The kmap.reduce job over HTTP on a small synthetic KMAP: outputs with provenance, the issue's accuracy bound on the
/// fitted strain and tilt, and the viewer's endpoints (a run's maps, one point's cube) answering only those who may read.
/// </summary>
public sealed class KmapJobTests(IdrpServer server) : IClassFixture<IdrpServer>
{
    private static readonly string[] Outputs = ["fit.csv", "intensity.png", "maps.h5", "qspace.h5", "strain.png", "tilt.png", "tiltx.png", "tilty.png"];

    [Fact]
    public async Task A_reduction_writes_cubes_maps_csv_and_heatmaps_derived_from_the_kmap_files_within_the_accuracy_goal()
    {
        var ct = TestContext.Current.CancellationToken;
        var user = await (await server.AdminAsync()).CreateUserAsync("Kmap User");
        var measurement = (await user.CreateMeasurementAsync((await user.CreateExperimentAsync((await user.CreateProposalAsync()).Id())).Id())).Id();
        var set = await user.UploadSyntheticAsync(measurement);

        var job = await (await user.PostAsync("/api/v1/jobs", new { type = "kmap.reduce", measurementId = measurement, parameters = new { d0 = set.Truth.D0 } }))
            .ReadJsonAsync(HttpStatusCode.Accepted);
        var done = await JobsWait.UntilEndedAsync(user, job.Id());
        Assert.True(done["state"]!.GetValue<string>() == "succeeded", done.ToJsonString());
        var result = done["result"]!;
        TestContext.Current.TestOutputHelper?.WriteLine(result.ToJsonString());
        Assert.Equal(12, result["points"]!.GetValue<int>());
        Assert.Equal(1.0, result["fitSuccessRatio"]!.GetValue<double>());
        Assert.Equal(21, result["entries"]!.GetValue<int>());
        Assert.Equal("kmap_master.h5", result["master"]!.GetValue<string>());

        var outputs = done["outputs"]!.AsArray().ToDictionary(o => o!["name"]!.GetValue<string>(), o => Guid.Parse(o!["assetId"]!.GetValue<string>()));
        Assert.Equal(Outputs, outputs.Keys.Order(StringComparer.Ordinal));
        Assert.All(done["outputs"]!.AsArray(), o => Assert.StartsWith("kmap/", o!["relativePath"]!.GetValue<string>(), StringComparison.Ordinal));

        // Provenance: made by kmap.reduce from the master and its 21 entry files; the ground truth beside them was not read.
        var madeFrom = (await (await user.GetAsync($"/api/v1/derivations?outputAssetId={outputs["maps.h5"]}")).ReadJsonAsync(HttpStatusCode.OK))["items"]![0]!;
        Assert.Equal("kmap.reduce", madeFrom["activity"]!.GetValue<string>());
        var inputs = madeFrom["inputAssetIds"]!.AsArray().Select(i => Guid.Parse(i!.GetValue<string>())).ToHashSet();
        Assert.Equal(new[] { set.MasterId }.Concat(set.EntryIds).Order(), inputs.Order());
        Assert.DoesNotContain(set.GroundTruthId, inputs);

        // The CSV against the truth: the issue's bound.
        var csv = await user.Http.GetStringAsync($"/api/v1/data-assets/{outputs["fit.csv"]}/content", ct);
        var rows = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = rows[0].Split(',');
        int Column(string name) => Array.IndexOf(header, name);
        double s = 0, tx = 0, ty = 0;
        foreach (var row in rows.Skip(1))
        {
            var cells = row.Split(',');
            var k = int.Parse(cells[Column("point_index")], CultureInfo.InvariantCulture);
            Assert.Equal("ok", cells[Column("fit_status")]);
            s += Math.Pow(double.Parse(cells[Column("strain")], CultureInfo.InvariantCulture) - set.Truth.Strain[k], 2);
            tx += Math.Pow(double.Parse(cells[Column("tilt_x_deg")], CultureInfo.InvariantCulture) - set.Truth.TiltXDegrees[k], 2);
            ty += Math.Pow(double.Parse(cells[Column("tilt_y_deg")], CultureInfo.InvariantCulture) - set.Truth.TiltYDegrees[k], 2);
        }

        var n = rows.Length - 1;
        Assert.Equal(12, n);
        Assert.True(Math.Sqrt(s / n) <= 2e-6, $"strain rms error {Math.Sqrt(s / n):E2}");
        Assert.True(Math.Sqrt(tx / n) <= 2e-4 && Math.Sqrt(ty / n) <= 2e-4, $"tilt rms errors {Math.Sqrt(tx / n):E2}, {Math.Sqrt(ty / n):E2}");

        var png = await user.Http.GetByteArrayAsync($"/api/v1/data-assets/{outputs["strain.png"]}/content", ct);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);

        // The viewer's run: found from any output, maps indexed like the points, the grid of the cubes.
        var run = await (await user.GetAsync($"/api/v1/kmap/runs/{outputs["strain.png"]}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(outputs["qspace.h5"], Guid.Parse(run["qSpaceAssetId"]!.GetValue<string>()));
        Assert.Equal(outputs["maps.h5"], Guid.Parse(run["mapsAssetId"]!.GetValue<string>()));
        Assert.Equal((4, 3), (run["raster"]!["columns"]!.GetValue<int>(), run["raster"]!["rows"]!.GetValue<int>()));
        Assert.Equal(12, run["maps"]!["strain"]!.AsArray().Count);
        Assert.Equal(set.Truth.D0, run["d0"]!.GetValue<double>());
        Assert.Equal(inputs.Order(), run["inputs"]!.AsArray().Select(i => Guid.Parse(i!.GetValue<string>())).Order());
        var shape = run["grid"]!["shape"]!.AsArray().Select(v => v!.GetValue<int>()).ToArray();

        // One point's cube: float32, its shape in a header, the peak inside it.
        var response = await user.GetAsync($"/api/v1/kmap/runs/{outputs["maps.h5"]}/points/5/cube");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(string.Join(',', shape), response.Headers.GetValues("X-Kmap-Shape").Single());
        var bytes = await response.Content.ReadAsByteArrayAsync(ct);
        Assert.Equal(shape[0] * shape[1] * shape[2] * 4, bytes.Length);
        var cube = MemoryMarshal.Cast<byte, float>(bytes);
        var max = 0f;
        foreach (var v in cube)
        {
            max = Math.Max(max, v);
        }

        Assert.True(max > 1, $"peak of the cube {max}");
        Assert.Equal(HttpStatusCode.NotFound, (await user.GetAsync($"/api/v1/kmap/runs/{outputs["maps.h5"]}/points/999/cube")).StatusCode);

        // Someone else (and anyone anonymous) reads neither, as for the downloads of those assets.
        var other = await (await server.AdminAsync()).CreateUserAsync("Kmap Outsider");
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/v1/kmap/runs/{outputs["maps.h5"]}/points/5/cube")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/v1/kmap/runs/{outputs["maps.h5"]}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/v1/data-assets/{outputs["qspace.h5"]}/content")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Anonymous().GetAsync($"/api/v1/kmap/runs/{outputs["maps.h5"]}/points/5/cube")).StatusCode);
    }

    [Fact]
    public async Task A_re_run_with_a_sample_roi_reduces_only_the_points_inside_it()
    {
        var user = await (await server.AdminAsync()).CreateUserAsync("Kmap Roi User");
        var measurement = (await user.CreateMeasurementAsync((await user.CreateExperimentAsync((await user.CreateProposalAsync()).Id())).Id())).Id();
        var set = await user.UploadSyntheticAsync(measurement, nx: 3, ny: 2, angles: 11);

        // Points lie at x = 10.0, 10.1, 10.2 and y = 20.0, 20.1 micrometres; the rectangle holds the two with x >= 10.1 and y = 20.0.
        var job = await (await user.PostAsync("/api/v1/jobs", new
        {
            type = "kmap.reduce",
            measurementId = measurement,
            inputs = new[] { set.MasterId }.Concat(set.EntryIds),
            parameters = new { sampleRoi = new { xMin = 10.05, xMax = 10.25, yMin = 19.95, yMax = 20.05 }, referencePoint = 1, gridShape = new[] { 16, 24, 32 } },
        })).ReadJsonAsync(HttpStatusCode.Accepted);
        var done = await JobsWait.UntilEndedAsync(user, job.Id());
        Assert.True(done["state"]!.GetValue<string>() == "succeeded", done.ToJsonString());
        Assert.Equal(2, done["result"]!["points"]!.GetValue<int>());
        var grid = done["result"]!["grid"]!.AsArray().Select(v => v!.GetValue<int>()).ToArray();
        Assert.Equal((24, 32), (grid[1], grid[2]));
        // Strain is relative to point 1, which is one of the two.
        Assert.InRange(0.0, done["result"]!["strain"]!["min"]!.GetValue<double>(), done["result"]!["strain"]!["max"]!.GetValue<double>());
    }

    [Fact]
    public async Task Parameters_are_checked_on_submission()
    {
        var user = await (await server.AdminAsync()).CreateUserAsync("Kmap Parameter User");
        var measurement = (await user.CreateMeasurementAsync((await user.CreateExperimentAsync((await user.CreateProposalAsync()).Id())).Id())).Id();
        var problem = await (await user.PostAsync("/api/v1/jobs", new { type = "kmap.reduce", measurementId = measurement, parameters = new { gridShape = new[] { 1, 32 }, d0 = 1.3, referencePoint = 0 } }))
            .ReadProblemAsync(HttpStatusCode.UnprocessableEntity);
        var errors = problem["errors"]!.AsObject();
        Assert.Contains("parameters.gridShape", errors.Select(e => e.Key));
        Assert.Contains("parameters.referencePoint", errors.Select(e => e.Key));
    }
}
