using System.Net;
using System.Text.Json.Nodes;
using Idrp.Testing;

namespace Idrp.Server.Tests;

/// <summary>FAST and MATRIX files uploaded to the repository get their settings with units and a technical summary.</summary>
public sealed class StmExtractionTests(IdrpServer server) : IClassFixture<IdrpServer>
{
    [Fact]
    public async Task A_fast_movie_gives_the_measurement_its_scanner_settings_with_units()
    {
        var (user, measurement) = await MeasurementAsync("Stella");
        var asset = await UploadAsync(user, measurement, "FS_synthetic.h5", await File.ReadAllBytesAsync(SharedData.File("stm/synthetic/FS_synthetic_100x100_25img.h5")));
        var metadata = asset["extractedMetadata"]!;
        Assert.Equal("stm", metadata["extractor"]!.GetValue<string>());
        Assert.Equal("FastMovie", metadata["kind"]!.GetValue<string>());
        Assert.Equal("100 x 100", metadata["frameSize"]!.GetValue<string>());
        Assert.Equal("50", metadata["frames(udf)"]!.GetValue<string>());

        var settings = await SettingsAsync(user, measurement);
        Assert.Equal((20.0, "nm/V"), settings["Scanner.X_Calibration"]);
        Assert.Equal((800.0, "Hz"), settings["Scanner.X_Frequency"]);
        Assert.Equal((160000.0, "Hz"), settings["Acquisition.ADC_SamplingRate"]);
        Assert.Equal((0.8, "V"), settings["GapVoltage.Voltage"]);
        Assert.Equal((3.0, "px"), settings["Acquisition.X_Phase"]);
    }

    [Fact]
    public async Task A_real_fast_slow_image_is_described_with_its_images()
    {
        var (user, measurement) = await MeasurementAsync("Sami");
        var asset = await UploadAsync(user, measurement, "SI_250605_012.h5", await File.ReadAllBytesAsync(SharedData.File("stm/proespm-py3/SI_250605_012.h5")));
        var metadata = asset["extractedMetadata"]!;
        Assert.Equal("FastImageSet", metadata["kind"]!.GetValue<string>());
        Assert.Contains("FW_Z 75x75", metadata["images"]!.GetValue<string>(), StringComparison.Ordinal);
        var settings = await SettingsAsync(user, measurement);
        Assert.Equal((20.0, "nm/V"), settings["Scanner.Y_Calibration"]);
    }

    [Fact]
    public async Task A_matrix_parameter_file_gives_scanner_gap_voltage_and_regulator_settings()
    {
        var (user, measurement) = await MeasurementAsync("Mara");
        var asset = await UploadAsync(user, measurement, "2014Mar01-093225_0001.mtrx", await File.ReadAllBytesAsync(SharedData.File("stm/pyMTRX/2014Mar01-093225_0001.mtrx")));
        var metadata = asset["extractedMetadata"]!;
        Assert.Equal("MatrixParameters", metadata["kind"]!.GetValue<string>());
        Assert.Contains("Z", metadata["channels"]!.GetValue<string>(), StringComparison.Ordinal);
        var settings = await SettingsAsync(user, measurement);
        Assert.Equal((1.2e-7, "m"), settings["XYScanner_Width"]);
        Assert.Equal((300.0, "Count"), settings["XYScanner_Points"]);
        Assert.Equal((0.1, "V"), settings["GapVoltageControl_Voltage"]);
        Assert.Equal((1e-11, "A"), settings["Regulator_Setpoint_1"]);
        Assert.DoesNotContain(settings.Keys, k => k.StartsWith("Spectroscopy_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_matrix_data_file_alone_names_its_channel_and_parameter_file()
    {
        var (user, measurement) = await MeasurementAsync("Milo");
        var asset = await UploadAsync(user, measurement, "2014Mar01-093225--7_100.Z_mtrx", await File.ReadAllBytesAsync(SharedData.File("stm/pyMTRX/2014Mar01-093225--7_100.Z_mtrx")));
        var metadata = asset["extractedMetadata"]!;
        Assert.Equal("MatrixData", metadata["kind"]!.GetValue<string>());
        Assert.Equal("Z", metadata["channel"]!.GetValue<string>());
        Assert.Equal("2014Mar01-093225_0001.mtrx", metadata["parameterFile"]!.GetValue<string>());
    }

    private async Task<(ApiClient User, Guid Measurement)> MeasurementAsync(string name)
    {
        var admin = await server.AdminAsync();
        var user = await admin.CreateUserAsync(name);
        var proposal = (await user.CreateProposalAsync()).Id();
        var experiment = (await user.CreateExperimentAsync(proposal)).Id();
        var measurement = await (await user.PostAsync("/api/v1/measurements", new { experimentId = experiment, measurementName = "stm" })).ReadJsonAsync(HttpStatusCode.Created);
        return (user, measurement.Id());
    }

    private static async Task<JsonNode> UploadAsync(ApiClient user, Guid measurement, string name, byte[] data)
    {
        var asset = (await (await user.PostAsync("/api/v1/data-assets", new { measurementId = measurement, dataAssetName = name, dataChecksum = Tus.Sha256(data) }))
            .ReadJsonAsync(HttpStatusCode.Created)).Id();
        var location = await user.CreateForAssetAsync(asset, data.Length);
        Assert.Equal(HttpStatusCode.NoContent, (await user.PatchAsync(location, 0, data)).StatusCode);
        return await (await user.GetAsync($"/api/v1/data-assets/{asset}")).ReadJsonAsync(HttpStatusCode.OK);
    }

    private static async Task<Dictionary<string, (double, string)>> SettingsAsync(ApiClient user, Guid measurement)
    {
        var record = await (await user.GetAsync($"/api/v1/measurements/{measurement}")).ReadJsonAsync(HttpStatusCode.OK);
        return record["settings"]!.AsArray()
            .Where(s => s!["value"]!.GetValueKind() == System.Text.Json.JsonValueKind.Number)
            .ToDictionary(s => s!["key"]!.GetValue<string>(), s => (Math.Round(s!["value"]!.GetValue<double>(), 12), s["unit"]?.GetValue<string>() ?? ""));
    }
}
