using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Idrp.Analysis.Stm.Export;
using Idrp.Analysis.Stm.Fast;
using Idrp.Analysis.Stm.Processing;
using Idrp.Analysis.Stm.Tests.Support;
using Idrp.Testing;

namespace Idrp.Server.Tests;

/// <summary>The STM job types over real HTTP: a FAST movie to MP4, PNG and Gwyddion files; MATRIX images to Gwyddion and PNG.</summary>
public sealed class StmJobTests(IdrpServer server) : IClassFixture<IdrpServer>
{
    private static readonly string s_movie = SharedData.File("stm/synthetic/FS_synthetic_100x100_25img.h5");

    [Fact]
    public async Task A_fast_movie_becomes_mp4_png_frames_and_gwyddion_files_derived_from_it()
    {
        var (user, _, measurement) = await server.NewMeasurementAsync("Movie Maker");
        var movieId = await user.UploadFileAsync(measurement, "FS_synthetic.h5", await File.ReadAllBytesAsync(s_movie, TestContext.Current.CancellationToken));
        await user.UploadFileAsync(measurement, "notes.txt", "not a movie"u8.ToArray());

        var parameters = new { channels = "udf", interpolate = true, scale = 2, mp4 = true, pngFirst = 4, pngCount = 3, gwy = true, gsf = true, exportFirst = 10, exportCount = 2 };
        var job = await (await user.PostAsync("/api/v1/jobs", new { type = "stm.movie", measurementId = measurement, parameters })).ReadJsonAsync(HttpStatusCode.Accepted);
        var done = await JobsWait.UntilEndedAsync(user, job.Id());
        Assert.True(done["state"]!.GetValue<string>() == "succeeded", done.ToJsonString());
        var movie = done["result"]!["movies"]![0]!;
        Assert.Equal((50, "100 x 100", "stm/FS_synthetic"), (movie["frames"]!.GetValue<int>(), movie["frameSize"]!.GetValue<string>(), movie["folder"]!.GetValue<string>()));

        var outputs = done["outputs"]!.AsArray().ToDictionary(o => o!["name"]!.GetValue<string>(), o => o!);
        Assert.Equal(
            ["FS_synthetic.gwy", "FS_synthetic_frame_00010_udf.gsf", "FS_synthetic_frame_00011_udf.gsf", "FS_synthetic_udf.mp4",
             "FS_synthetic_udf_00004.png", "FS_synthetic_udf_00005.png", "FS_synthetic_udf_00006.png"],
            outputs.Keys.Order(StringComparer.Ordinal));
        Assert.All(outputs.Values, o => Assert.Equal("stm/FS_synthetic", o["relativePath"]!.GetValue<string>()));
        foreach (var output in outputs.Values)
        {
            var derivation = (await (await user.GetAsync($"/api/v1/derivations?outputAssetId={output["assetId"]!.GetValue<string>()}")).ReadJsonAsync(HttpStatusCode.OK))["items"]![0]!;
            Assert.Equal([movieId.ToString()], derivation["inputAssetIds"]!.AsArray().Select(i => i!.GetValue<string>()));
            Assert.Equal("stm.movie", derivation["activity"]!.GetValue<string>());
        }

        var mp4 = await DownloadAsync(user, outputs["FS_synthetic_udf.mp4"]);
        Assert.Equal("ftyp", Encoding.ASCII.GetString(mp4, 4, 4));
        var png = await DownloadAsync(user, outputs["FS_synthetic_udf_00005.png"]);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);

        // Debian's gwyddion reads the .gwy and saves its own; its values are the library's frames 10 and 11
        var dir = Directory.CreateTempSubdirectory("idrp-stm-job-").FullName;
        var ours = Path.Combine(dir, "job.gwy");
        await File.WriteAllBytesAsync(ours, await DownloadAsync(user, outputs["FS_synthetic.gwy"]), TestContext.Current.CancellationToken);
        var theirs = Path.Combine(dir, "resaved.gwy");
        RunGwyddion($"--convert-to-gwy={theirs}", ours);
        var (fields, titles) = GwyReader.Read(theirs);
        using var fast = FastFile.Open(s_movie);
        var expected = FastExport.Fields(FastPipeline.Open(fast, new FastProcessing(FastChannels.UpDownForward, Interpolate: true)), 10, 2);
        Assert.Equal(2, fields.Count);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(expected[i].Title, titles[$"/{i}/data/title"]);
            var field = fields[$"/{i}/data"];
            Assert.Equal((100, 100), (field.XRes, field.YRes));
            Assert.Equal(expected[i].XReal, field.XReal, 1e-15);
            Assert.Equal(expected[i].Values, field.Data);
        }
    }

    [Fact]
    public async Task A_running_movie_job_can_be_cancelled_and_leaves_no_outputs()
    {
        var (user, _, measurement) = await server.NewMeasurementAsync("Movie Canceller");
        await user.UploadFileAsync(measurement, "FS_synthetic.h5", await File.ReadAllBytesAsync(s_movie, TestContext.Current.CancellationToken));

        // the notebook's corrections and 50 frames as large PNGs: long enough to be cancelled while it runs
        var parameters = new { notebook = true, scale = 16, mp4 = false, pngCount = 50 };
        var job = await (await user.PostAsync("/api/v1/jobs", new { type = "stm.movie", measurementId = measurement, parameters })).ReadJsonAsync(HttpStatusCode.Accepted);
        await JobsWait.UntilAsync(user, job.Id(), j => j["state"]!.GetValue<string>() == "running" && j["progress"]!.GetValue<double>() > 0);
        await (await user.PostAsync($"/api/v1/jobs/{job.Id()}/cancel", new { })).ReadJsonAsync(HttpStatusCode.Accepted);
        var done = await JobsWait.UntilEndedAsync(user, job.Id());
        Assert.Equal("cancelled", done["state"]!.GetValue<string>());
        Assert.Empty(done["outputs"]!.AsArray());
    }

    [Fact]
    public async Task Bad_movie_parameters_are_refused_at_submission()
    {
        var (user, _, measurement) = await server.NewMeasurementAsync("Movie Typo");
        var problem = await (await user.PostAsync("/api/v1/jobs", new { type = "stm.movie", measurementId = measurement, parameters = new { channels = "sideways", scale = 99 } }))
            .ReadProblemAsync(HttpStatusCode.UnprocessableEntity);
        var errors = problem["errors"]!.AsObject().Select(e => e.Key).ToList();
        Assert.Contains(errors, e => e.Contains("channels", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(errors, e => e.Contains("scale", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Matrix_images_become_gwyddion_and_png_files_derived_from_data_and_parameter_file()
    {
        var (user, _, measurement) = await server.NewMeasurementAsync("Matrix Exporter");
        var dataId = await user.UploadFileAsync(measurement, "2014Mar01-093225--7_100.Z_mtrx", await File.ReadAllBytesAsync(SharedData.File("stm/pyMTRX/2014Mar01-093225--7_100.Z_mtrx"), TestContext.Current.CancellationToken));
        var parametersId = await user.UploadFileAsync(measurement, "2014Mar01-093225_0001.mtrx", await File.ReadAllBytesAsync(SharedData.File("stm/pyMTRX/2014Mar01-093225_0001.mtrx"), TestContext.Current.CancellationToken));

        var job = await (await user.PostAsync("/api/v1/jobs", new { type = "stm.export", measurementId = measurement, parameters = new { gwy = true, gsf = false, png = true } })).ReadJsonAsync(HttpStatusCode.Accepted);
        var done = await JobsWait.UntilEndedAsync(user, job.Id());
        Assert.True(done["state"]!.GetValue<string>() == "succeeded", done.ToJsonString());
        var outputs = done["outputs"]!.AsArray().ToDictionary(o => o!["name"]!.GetValue<string>(), o => o!);
        var images = done["result"]!["files"]![0]!["images"]!.GetValue<int>();
        Assert.True(images >= 2, $"{images} images");
        Assert.Equal(1 + images, outputs.Count);
        var gwy = outputs["2014Mar01-093225--7_100_Z_mtrx.gwy"];
        var derivation = (await (await user.GetAsync($"/api/v1/derivations?outputAssetId={gwy["assetId"]!.GetValue<string>()}")).ReadJsonAsync(HttpStatusCode.OK))["items"]![0]!;
        Assert.Equal(new[] { dataId.ToString(), parametersId.ToString() }.Order(), derivation["inputAssetIds"]!.AsArray().Select(i => i!.GetValue<string>()).Order());

        var dir = Directory.CreateTempSubdirectory("idrp-stm-job-").FullName;
        var ours = Path.Combine(dir, "matrix.gwy");
        await File.WriteAllBytesAsync(ours, await DownloadAsync(user, gwy), TestContext.Current.CancellationToken);
        var theirs = Path.Combine(dir, "resaved.gwy");
        RunGwyddion($"--convert-to-gwy={theirs}", ours);
        var (fields, _) = GwyReader.Read(theirs);
        Assert.Equal(images, fields.Count);
        var expected = FastExport.MatrixFields(SharedData.File("stm/pyMTRX/2014Mar01-093225--7_100.Z_mtrx"),
            Idrp.Analysis.Stm.Matrix.MatrixParameterFile.Read(SharedData.File("stm/pyMTRX/2014Mar01-093225_0001.mtrx")));
        Assert.Equal(expected[0].Values, fields["/0/data"].Data);
    }

    private static Task<byte[]> DownloadAsync(ApiClient user, JsonNode output) =>
        user.Http.GetByteArrayAsync($"/api/v1/data-assets/{output["assetId"]!.GetValue<string>()}/content", TestContext.Current.CancellationToken);

    private static void RunGwyddion(params string[] arguments)
    {
        var info = new ProcessStartInfo("gwyddion") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "--no-splash", "--no-log-to-file" }.Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("gwyddion did not start (Debian package gwyddion)");
        var errors = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"gwyddion exited with {process.ExitCode}: {errors.Result}");
    }
}
