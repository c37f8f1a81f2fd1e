using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Idrp.Bench.Api;

/// <summary>
/// The calls the benchmark makes, as a script with an API token would make them. Request bodies are written with
/// <see cref="Utf8JsonWriter"/> straight into bytes: the client shares the machine with the server, so it keeps
/// its own CPU use small.
/// </summary>
internal sealed class IdrpApi : IDisposable
{
    public const int MeasurementSeries = 0;
    public const int AssetSeries = 1;

    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly HttpClient _http;

    private IdrpApi(HttpClient http) => _http = http;

    public static HttpClient NewHttpClient(Uri baseAddress, bool cookies = false) =>
        new(new SocketsHttpHandler
        {
            UseCookies = cookies,
            AllowAutoRedirect = false,
            MaxConnectionsPerServer = 1024,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };

    /// <summary>Signs in with a password (cookie session) and returns a client that sends a new API token of that person.</summary>
    public static async Task<IdrpApi> SignInAsync(Uri baseAddress, string userName, string password, CancellationToken ct)
    {
        using var session = NewHttpClient(baseAddress, cookies: true);
        using (var login = await session.PostAsJsonAsync("/api/v1/account/login", new { userName, password }, ct))
        {
            await ExpectAsync(login, HttpStatusCode.NoContent, ct);
        }

        using var created = await session.PostAsJsonAsync("/api/v1/account/tokens", new { name = "benchmark", scope = "readWrite" }, ct);
        var secret = (await ExpectJsonAsync(created, HttpStatusCode.Created, ct))["secret"]!.GetValue<string>();
        var http = NewHttpClient(baseAddress);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return new IdrpApi(http);
    }

    public async Task<Guid> CreateFacilityAsync(CancellationToken ct)
    {
        var code = "BENCH-" + Guid.NewGuid().ToString("N")[..6];
        return await PostForIdAsync("/api/v1/facilities", new { code, name = "Benchmark facility " + code }, ct);
    }

    /// <summary>As admin: a person with a local account.</summary>
    public Task<Guid> CreatePersonAsync(string userName, string password, CancellationToken ct) =>
        PostForIdAsync("/api/v1/people", new { displayName = "Bench User", userName, password, email = userName + "@example.org" }, ct);

    public Task<Guid> CreateProposalAsync(Guid facilityId, CancellationToken ct) =>
        PostForIdAsync("/api/v1/proposals", new
        {
            proposalNumber = "BENCH-" + Guid.NewGuid().ToString("N")[..10],
            title = "Throughput of metadata registration",
            facilityIds = new[] { facilityId },
        }, ct);

    public Task<Guid> CreateExperimentAsync(Guid proposalId, string name, CancellationToken ct) =>
        PostForIdAsync("/api/v1/experiments", new { proposalId, name }, ct);

    /// <summary>
    /// Registers measurement number <paramref name="index"/> (five settings, three keywords) and one linked data asset
    /// in it; records the latency of each POST. Returns the measurement's id.
    /// </summary>
    public async Task<Guid> RegisterAsync(Guid experimentId, long index, Worker worker, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        Guid measurementId;
        using (var response = await _http.PostAsync("/api/v1/measurements", Body(w => WriteMeasurement(w, experimentId, index)), ct))
        {
            await ExpectAsync(response, HttpStatusCode.Created, ct);
            measurementId = IdFromLocation(response);
        }

        worker.Record(MeasurementSeries, start);

        start = Stopwatch.GetTimestamp();
        using (var response = await _http.PostAsync("/api/v1/data-assets", Body(w => WriteAsset(w, measurementId, index)), ct))
        {
            await ExpectAsync(response, HttpStatusCode.Created, ct);
        }

        worker.Record(AssetSeries, start);
        return measurementId;
    }

    /// <summary>GETs <paramref name="path"/>, reads the whole body and records the latency in series 0.</summary>
    public async Task GetAsync(string path, Worker worker, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        using var response = await _http.GetAsync(path, HttpCompletionOption.ResponseContentRead, ct);
        await ExpectAsync(response, HttpStatusCode.OK, ct);
        worker.Record(0, start);
    }

    /// <summary>GETs <paramref name="path"/> once and returns its JSON, for checks outside the measured loops.</summary>
    public async Task<JsonNode> GetJsonAsync(string path, CancellationToken ct)
    {
        using var response = await _http.GetAsync(path, ct);
        return await ExpectJsonAsync(response, HttpStatusCode.OK, ct);
    }

    public void Dispose() => _http.Dispose();

    private async Task<Guid> PostForIdAsync(string path, object body, CancellationToken ct)
    {
        using var response = await _http.PostAsJsonAsync(path, body, ct);
        return Guid.Parse((await ExpectJsonAsync(response, HttpStatusCode.Created, ct))["id"]!.GetValue<string>(), CultureInfo.InvariantCulture);
    }

    private static void WriteMeasurement(Utf8JsonWriter w, Guid experimentId, long index)
    {
        w.WriteString("experimentId", experimentId);
        w.WriteString("measurementName", $"SEM overview {index:D6}");
        w.WriteString("measurementDescription", "Secondary-electron image of SiGe islands on Si(001), registered by the API benchmark.");
        w.WriteString("technique", "SEM");
        w.WriteString("dateOfCollection", new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero).AddSeconds(index));
        w.WriteStartArray("settings");
        Setting(w, "EHT", 5.0, "kV");
        Setting(w, "WorkingDistance", 4.2, "mm");
        Setting(w, "Magnification", 50_000 + (index % 7) * 10_000, null);
        Setting(w, "StageTilt", 0.0, "deg");
        w.WriteStartObject();
        w.WriteString("key", "Detector");
        w.WriteString("value", "InLens");
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteStartArray("keywords");
        w.WriteStringValue("SiGe");
        w.WriteStringValue("islands");
        w.WriteStringValue("benchmark");
        w.WriteEndArray();
        w.WriteString("visibility", "private");

        static void Setting(Utf8JsonWriter w, string key, double value, string? unit)
        {
            w.WriteStartObject();
            w.WriteString("key", key);
            w.WriteNumber("value", value);
            if (unit is not null)
            {
                w.WriteString("unit", unit);
            }

            w.WriteEndObject();
        }
    }

    private static void WriteAsset(Utf8JsonWriter w, Guid measurementId, long index)
    {
        var name = $"image_{index:D6}.tif";
        w.WriteString("measurementId", measurementId);
        w.WriteString("dataAssetName", name);
        w.WriteString("relativePath", "raw/day1");
        w.WriteNumber("dataSize", 8_392_704 + index);
        w.WriteString("dataChecksum", "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name))));
        w.WriteString("storage", "linked");
        w.WriteString("linkUri", "https://archive.example.org/sem/" + name);
        w.WriteString("intellectualPropertyRights", "CC-BY-4.0");
        w.WriteString("mediaType", "image/tiff");
    }

    private static ByteArrayContent Body(Action<Utf8JsonWriter> write)
    {
        var buffer = new MemoryStream(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        var content = new ByteArrayContent(buffer.GetBuffer(), 0, (int)buffer.Length);
        content.Headers.ContentType = Json;
        return content;
    }

    private static Guid IdFromLocation(HttpResponseMessage response)
    {
        var location = response.Headers.Location?.OriginalString
            ?? throw new BenchRequestException("A 201 Created without a Location header.");
        return Guid.Parse(location.AsSpan(location.LastIndexOf('/') + 1), CultureInfo.InvariantCulture);
    }

    /// <summary>Reads the whole body (so latency includes it) and throws when the status is not the expected one.</summary>
    private static async Task ExpectAsync(HttpResponseMessage response, HttpStatusCode expected, CancellationToken ct)
    {
        var body = await response.Content.ReadAsByteArrayAsync(ct);
        if (response.StatusCode != expected)
        {
            var text = Encoding.UTF8.GetString(body);
            throw new BenchRequestException(
                $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: expected {(int)expected} but got {(int)response.StatusCode}: {text[..Math.Min(text.Length, 500)]}");
        }
    }

    private static async Task<JsonNode> ExpectJsonAsync(HttpResponseMessage response, HttpStatusCode expected, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != expected)
        {
            throw new BenchRequestException(
                $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: expected {(int)expected} but got {(int)response.StatusCode}: {text[..Math.Min(text.Length, 500)]}");
        }

        return JsonNode.Parse(text) ?? throw new BenchRequestException("An empty JSON body.");
    }
}
