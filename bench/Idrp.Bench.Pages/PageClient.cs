using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Idrp.Bench.Pages;

/// <summary>One signed-in browser session (the UI's cookie, set by /api/v1/account/login) that loads pages and reads their Server-Timing header.</summary>
internal sealed partial class PageClient : IDisposable
{
    private readonly HttpClient _http;

    private PageClient(HttpClient http) => _http = http;

    /// <summary>Server time of one page: <c>app</c> and <c>db</c> durations in milliseconds and the number of database commands.</summary>
    public readonly record struct Timing(double App, double Db, int Queries);

    public static async Task<PageClient> SignInAsync(Uri baseAddress, string userName, string password)
    {
        var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(5) };
        using var login = await http.PostAsJsonAsync("/api/v1/account/login", new { userName, password });
        await ExpectAsync(login, HttpStatusCode.NoContent);
        return new PageClient(http);
    }

    public async Task<Timing> GetPageAsync(string path)
    {
        using var response = await _http.GetAsync(path, HttpCompletionOption.ResponseContentRead);
        await ExpectAsync(response, HttpStatusCode.OK);
        var header = response.Headers.TryGetValues("Server-Timing", out var values) ? string.Join(", ", values) : throw new InvalidOperationException($"{path}: no Server-Timing header.");
        var match = ServerTimingPattern().Match(header);
        if (!match.Success)
        {
            throw new InvalidOperationException($"{path}: unexpected Server-Timing '{header}'.");
        }

        return new Timing(
            double.Parse(match.Groups["app"].Value, CultureInfo.InvariantCulture),
            double.Parse(match.Groups["db"].Value, CultureInfo.InvariantCulture),
            int.Parse(match.Groups["queries"].Value, CultureInfo.InvariantCulture));
    }

    public async Task<Guid> PostForIdAsync(string path, object body)
    {
        using var response = await _http.PostAsJsonAsync(path, body);
        await ExpectAsync(response, HttpStatusCode.Created);
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return Guid.Parse(json["id"]!.GetValue<string>(), CultureInfo.InvariantCulture);
    }

    public async Task PutAsync(string path, object body)
    {
        using var response = await _http.PutAsJsonAsync(path, body);
        await ExpectAsync(response, HttpStatusCode.NoContent);
    }

    public void Dispose() => _http.Dispose();

    private static async Task ExpectAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        if (response.StatusCode != expected)
        {
            throw new InvalidOperationException(
                $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: {(int)response.StatusCode}, expected {(int)expected}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    [GeneratedRegex("app;dur=(?<app>[0-9.]+).*db;dur=(?<db>[0-9.]+);desc=\"(?<queries>[0-9]+) quer")]
    private static partial Regex ServerTimingPattern();
}
