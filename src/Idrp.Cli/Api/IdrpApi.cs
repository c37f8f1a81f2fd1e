using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Idrp.Cli.Api;

/// <summary>
/// The REST API as the CLI uses it: JSON in and out with the bearer token, lists followed to their last
/// page, and every failure turned into a <see cref="CliException"/> with the problem's title and detail.
/// </summary>
internal sealed class IdrpApi : IDisposable
{
    private readonly HttpClient _http;

    public IdrpApi(CliConfig config)
    {
        if (!Uri.TryCreate(config.Server.EndsWith('/') ? config.Server : config.Server + "/", UriKind.Absolute, out var baseAddress)
            || (baseAddress.Scheme != Uri.UriSchemeHttp && baseAddress.Scheme != Uri.UriSchemeHttps))
        {
            throw new CliException(ExitCodes.Usage, $"The server '{config.Server}' is not an http(s) URL.");
        }

        // No automatic redirects: a linked asset's content answers 302 to an archive, which must not get our token.
        var handler = new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, ConnectTimeout = TimeSpan.FromSeconds(15) };
        _http = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", config.Token);
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("idrp-cli", typeof(IdrpApi).Assembly.GetName().Version?.ToString(3)));
    }

    public Uri BaseAddress => _http.BaseAddress!;

    public async Task<JsonObject> GetAsync(string path, CancellationToken ct)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, path), ct);
        return await ReadObjectAsync(response, ct);
    }

    /// <summary>Every item of a list, following <c>next</c> as <c>after</c> until it is null.</summary>
    public async IAsyncEnumerable<JsonObject> ListAsync(string path, [EnumeratorCancellation] CancellationToken ct)
    {
        var separator = path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        string? after = null;
        do
        {
            var page = await GetAsync(path + separator + "limit=500" + (after is null ? "" : "&after=" + Uri.EscapeDataString(after)), ct);
            foreach (var item in page["items"]!.AsArray())
            {
                yield return item!.AsObject();
            }

            after = page["next"]?.GetValue<string>();
        }
        while (after is not null);
    }

    public async Task<List<JsonObject>> ListAllAsync(string path, CancellationToken ct)
    {
        var items = new List<JsonObject>();
        await foreach (var item in ListAsync(path, ct))
        {
            items.Add(item);
        }

        return items;
    }

    public async Task<JsonObject> PostAsync(string path, object body, CancellationToken ct)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) }, ct);
        return await ReadObjectAsync(response, ct);
    }

    /// <summary>The job types the server runs, each with the JSON schema of its parameters.</summary>
    public async Task<JsonArray> JobTypesAsync(CancellationToken ct)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, "api/v1/job-types"), ct);
        await ThrowIfFailedAsync(response, ct);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!.AsArray();
    }

    /// <summary>Submits a job; <paramref name="inputs"/> empty means the server's default (all of the measurement's data).</summary>
    public Task<JsonObject> SubmitJobAsync(string type, Guid measurementId, IReadOnlyList<Guid> inputs, JsonObject parameters, CancellationToken ct) =>
        PostAsync("api/v1/jobs", new JsonObject
        {
            ["type"] = type,
            ["measurementId"] = measurementId,
            ["inputs"] = inputs.Count == 0 ? null : new JsonArray([.. inputs.Select(i => (JsonNode)i)]),
            ["parameters"] = parameters,
        }, ct);

    public Task<JsonObject> JobAsync(Guid id, CancellationToken ct) => GetAsync($"api/v1/jobs/{id}", ct);

    /// <summary>The job's log lines after the line with id <paramref name="after"/> (all when null), every page.</summary>
    public async Task<List<JsonObject>> JobLogAsync(Guid id, Guid? after, CancellationToken ct)
    {
        var lines = new List<JsonObject>();
        var cursor = after?.ToString();
        do
        {
            var page = await GetAsync($"api/v1/jobs/{id}/log?limit=500" + (cursor is null ? "" : "&after=" + Uri.EscapeDataString(cursor)), ct);
            lines.AddRange(page["items"]!.AsArray().Select(l => l!.AsObject()));
            cursor = page["next"]?.GetValue<string>();
        }
        while (cursor is not null);
        return lines;
    }

    public Task<JsonObject> CancelJobAsync(Guid id, CancellationToken ct) => PostAsync($"api/v1/jobs/{id}/cancel", new JsonObject(), ct);

    public Task<JsonObject> RetryJobAsync(Guid id, CancellationToken ct) => PostAsync($"api/v1/jobs/{id}/retry", new JsonObject(), ct);

    /// <summary>Sends a request; network failures become exit code 6. The status is the caller's to check.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        try
        {
            return await _http.SendAsync(request, completion, ct);
        }
        catch (HttpRequestException e)
        {
            throw new CliException(ExitCodes.Network, $"Cannot reach {_http.BaseAddress}: {e.Message}", e);
        }
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpResponseMessage response, CancellationToken ct)
    {
        await ThrowIfFailedAsync(response, ct);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!.AsObject();
    }

    /// <summary>Turns a non-success answer into a one-line <see cref="CliException"/> from its problem details.</summary>
    public static async Task ThrowIfFailedAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var status = (int)response.StatusCode;
        var problem = await ReadProblemAsync(response, ct);
        var code = problem.Type?.EndsWith("/checksum-mismatch", StringComparison.Ordinal) == true ? ExitCodes.Conflict : ExitCodes.FromStatus(status);
        throw new CliException(code, problem.Describe(status));
    }

    public static async Task<Problem> ReadProblemAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        try
        {
            if (JsonNode.Parse(text) is JsonObject json)
            {
                return new Problem(
                    json["type"]?.GetValue<string>(),
                    json["title"]?.GetValue<string>() ?? response.ReasonPhrase ?? "Error",
                    json["detail"]?.GetValue<string>(),
                    json["errors"] as JsonObject);
            }
        }
        catch (JsonException)
        {
            // Not problem details (a proxy's page, say): fall back to the status line.
        }

        return new Problem(null, response.ReasonPhrase ?? response.StatusCode.ToString(), null, null);
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>The parts of an RFC 9457 problem the CLI shows.</summary>
internal sealed record Problem(string? Type, string Title, string? Detail, JsonObject? Errors)
{
    public string Describe(int status)
    {
        var text = Detail is null ? Title : $"{Title}: {Detail}";
        if (Errors is not null && Errors.Count > 0)
        {
            text = Title + ": " + string.Join("; ", Errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value!.AsArray().Select(m => m!.GetValue<string>()))}"));
        }

        return $"{OneLine(text)} ({status})";
    }

    public static string OneLine(string text) => text.ReplaceLineEndings(" ");

    /// <summary>A file name as it can be shown on one line: control characters escaped, as C would write them.</summary>
    public static string Printable(string text)
    {
        if (!text.Any(char.IsControl))
        {
            return text;
        }

        var builder = new System.Text.StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            builder.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return builder.ToString();
    }
}

internal static class JsonNodeExtensions
{
    public static string Str(this JsonObject node, string name) => node[name] switch
    {
        null => "",
        JsonValue value when value.TryGetValue<string>(out var s) => s,
        var other => other.ToJsonString(),
    };

    public static Guid Id(this JsonObject node) => Guid.Parse(node["id"]!.GetValue<string>());
}
