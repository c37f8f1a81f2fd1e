using System.Buffers.Binary;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Idrp.Testing;
using PureHDF;

namespace Idrp.Server.Tests;

/// <summary>Uploaded files get their metadata read: SEM TIFF tags as settings, HDF5 trees, image sizes; bad files a note.</summary>
public sealed class ExtractionTests(IdrpServer server) : IClassFixture<IdrpServer>
{
    private const string FeiText = "[User]\r\nDate=11/20/2026\r\n[Beam]\r\nHV=10000\r\n[EBeam]\r\nWD=0.0042\r\nBeamCurrent=1.5e-10\r\n[Scan]\r\nPixelWidth=1.25e-09\r\n[Vacuum]\r\nChPressure=0.00031\r\nUserMode=High vacuum\r\n[Detectors]\r\nName=ETD\r\n";

    private const string ZeissText = "0\r\nAP_WD\r\nWD = 8.5 mm\r\nAP_MAG\r\nMag = 50.00 K X\r\nAP_ACTUALKV\r\nEHT = 5.00 kV\r\nAP_PIXEL_SIZE\r\nPixel Size = 2.233 nm\r\nDP_DETECTOR_CHANNEL\r\nSignal A = InLens\r\nAP_GUN_VACUUM\r\nGun Vacuum = 2.11e-009 mbar\r\n";

    [Fact]
    public async Task An_fei_tiff_gives_the_measurement_its_beam_settings_with_units()
    {
        var (user, measurement) = await MeasurementAsync("Ivo");
        var asset = await UploadAsync(user, measurement, "fei.tif", TinyTiff(64, 48, 34682, FeiText));
        Assert.Equal("FEI/Thermo Fisher", asset["extractedMetadata"]!["sem"]!.GetValue<string>());
        Assert.Equal(64, asset["extractedMetadata"]!["image"]!["width"]!.GetValue<int>());

        var settings = await SettingsAsync(user, measurement);
        Assert.Equal((10.0, "kV"), settings["EHT"]);
        Assert.Equal((4.2, "mm"), settings["WD"]);
        Assert.Equal((1.25, "nm"), settings["Pixel size"]);
        Assert.Equal((150.0, "pA"), settings["Beam current"]);
        Assert.Equal((0.00031, "Pa"), settings["Chamber pressure"]);
        Assert.Equal((48.0, "px"), settings["Image height"]);
    }

    [Fact]
    public async Task A_zeiss_tiff_gives_eht_working_distance_magnification_pixel_size_detector_and_vacuum()
    {
        var (user, measurement) = await MeasurementAsync("Jan");
        await UploadAsync(user, measurement, "zeiss.tif", TinyTiff(32, 32, 34118, ZeissText));
        var settings = await SettingsAsync(user, measurement);
        Assert.Equal((5.0, "kV"), settings["EHT"]);
        Assert.Equal((8.5, "mm"), settings["WD"]);
        Assert.Equal((50000.0, "x"), settings["Magnification"]);
        Assert.Equal((2.233, "nm"), settings["Pixel size"]);
        Assert.Equal((2.11e-9, "mbar"), settings["Gun vacuum"]);
        var detector = await (await user.GetAsync($"/api/v1/measurements/{measurement}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Contains(detector["settings"]!.AsArray(), s => s!["key"]!.GetValue<string>() == "Detector" && s["value"]!.GetValue<string>() == "InLens");
    }

    [Fact]
    public async Task Settings_the_user_gave_are_not_overwritten_by_the_file()
    {
        var (user, measurement) = await MeasurementAsync("Kai");
        await (await user.PatchAsync($"/api/v1/measurements/{measurement}", new { settings = new object[] { new { key = "EHT", value = 3, unit = "kV" } } }))
            .ReadJsonAsync(HttpStatusCode.OK);
        await UploadAsync(user, measurement, "fei.tif", TinyTiff(8, 8, 34682, FeiText));
        Assert.Equal((3.0, "kV"), (await SettingsAsync(user, measurement))["EHT"]);
    }

    [Fact]
    public async Task An_hdf5_file_is_described_by_its_groups_datasets_and_attributes()
    {
        var path = Path.Combine(Path.GetTempPath(), $"idrp-{Guid.NewGuid():N}.h5");
        try
        {
            var file = new H5File { Attributes = { ["instrument"] = "ID01" } };
            var data = new H5Dataset(new double[3, 4]) { Attributes = { ["units"] = "counts", ["energy"] = 8.0 } };
            file["entry"] = new H5Group { ["data"] = data };
            file.Write(path);

            var (user, measurement) = await MeasurementAsync("Lou");
            var asset = await UploadAsync(user, measurement, "scan.h5", await File.ReadAllBytesAsync(path));
            var metadata = asset["extractedMetadata"]!;
            Assert.Equal("hdf5", metadata["extractor"]!.GetValue<string>());
            var dataset = metadata["objects"]!.AsArray().Single(o => o!["path"]!.GetValue<string>() == "/entry/data")!;
            Assert.Equal([3UL, 4UL], dataset["shape"]!.AsArray().Select(d => d!.GetValue<ulong>()));
            Assert.Equal("counts", dataset["attributes"]!["units"]!.GetValue<string>());
            Assert.Equal(8.0, dataset["attributes"]!["energy"]!.GetValue<double>());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_real_sem_jpeg_gives_its_size()
    {
        var image = SharedData.File("sem/Nanowires/L6_0a6f18702a4a32677c74ed390f3af7af.jpg");
        var (user, measurement) = await MeasurementAsync("Max");
        var asset = await UploadAsync(user, measurement, "nanowires.jpg", await File.ReadAllBytesAsync(image));
        Assert.Equal(1024, asset["extractedMetadata"]!["image"]!["width"]!.GetValue<int>());
        Assert.Equal(768, asset["extractedMetadata"]!["image"]!["height"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("broken.tif", "II*\0garbage that is not a tiff at all")]
    [InlineData("broken.h5", "\u0089HDF\r\n\u001a\ntruncated")]
    [InlineData("notes.txt", "just some text")]
    public async Task Unknown_or_corrupt_files_are_stored_unchanged_with_a_note(string name, string content)
    {
        var bytes = Encoding.Latin1.GetBytes(content);
        var (user, measurement) = await MeasurementAsync("Ned");
        var asset = await UploadAsync(user, measurement, name, bytes);
        Assert.Equal("complete", asset["state"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(asset["extractedMetadata"]!["note"]!.GetValue<string>()));
        Assert.Equal(bytes, await (await user.GetAsync($"/api/v1/data-assets/{asset.Id()}/content")).Content.ReadAsByteArrayAsync());
    }

    private async Task<(ApiClient User, Guid Measurement)> MeasurementAsync(string name)
    {
        var admin = await server.AdminAsync();
        var user = await admin.CreateUserAsync(name);
        var proposal = (await user.CreateProposalAsync()).Id();
        var experiment = (await user.CreateExperimentAsync(proposal)).Id();
        var measurement = await (await user.PostAsync("/api/v1/measurements", new { experimentId = experiment, measurementName = "m" })).ReadJsonAsync(HttpStatusCode.Created);
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

    /// <summary>A minimal uncompressed 8-bit grey TIFF with one extra ASCII tag (how SEMs store their parameters).</summary>
    private static byte[] TinyTiff(int width, int height, int vendorTag, string vendorText)
    {
        var text = Encoding.Latin1.GetBytes(vendorText + "\0");
        (ushort Tag, ushort Type, uint Count, uint Value)[] entries =
        [
            (256, 4, 1, (uint)width),
            (257, 4, 1, (uint)height),
            (258, 3, 1, 8),
            (259, 3, 1, 1),
            (262, 3, 1, 1),
            (273, 4, 1, 0), // strip offset, set below
            (277, 3, 1, 1),
            (278, 4, 1, (uint)height),
            (279, 4, 1, (uint)(width * height)),
            ((ushort)vendorTag, 2, (uint)text.Length, 0), // text offset, set below
        ];
        var ifdSize = 2 + (entries.Length * 12) + 4;
        var textOffset = 8 + ifdSize;
        var pixelOffset = textOffset + text.Length;
        entries[5].Value = (uint)pixelOffset;
        entries[^1].Value = (uint)textOffset;
        var tiff = new byte[pixelOffset + (width * height)];
        "II*\0"u8.CopyTo(tiff);
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(4), 8);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(8), (ushort)entries.Length);
        for (var i = 0; i < entries.Length; i++)
        {
            var at = tiff.AsSpan(10 + (i * 12));
            BinaryPrimitives.WriteUInt16LittleEndian(at, entries[i].Tag);
            BinaryPrimitives.WriteUInt16LittleEndian(at[2..], entries[i].Type);
            BinaryPrimitives.WriteUInt32LittleEndian(at[4..], entries[i].Count);
            if (entries[i].Type == 3)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(at[8..], (ushort)entries[i].Value);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(at[8..], entries[i].Value);
            }
        }

        text.CopyTo(tiff, textOffset);
        for (var p = 0; p < width * height; p++)
        {
            tiff[pixelOffset + p] = (byte)(p * 7);
        }

        return tiff;
    }
}
