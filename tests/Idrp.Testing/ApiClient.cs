using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Idrp.Testing;

/// <summary>Something that serves the API: an in-process test server or a server process.</summary>
public interface IServerEndpoint
{
    HttpClient NewHttpClient(bool cookies = false);
}

/// <summary>An HTTP client for the API as a script would use it: JSON in, JSON out, a bearer token if it has one.</summary>
public sealed class ApiClient
{
    private readonly HttpClient _http;
    private readonly IServerEndpoint _server;

    public ApiClient(HttpClient http, IServerEndpoint server, string? token = null, Guid? personId = null)
    {
        _http = http;
        _server = server;
        Token = token;
        PersonId = personId;
        if (token is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    public string? Token { get; }

    public Guid? PersonId { get; }

    public HttpClient Http => _http;

    public Task<HttpResponseMessage> GetAsync(string path, string? ifNoneMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (ifNoneMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        }

        return _http.SendAsync(request);
    }

    public Task<HttpResponseMessage> PostAsync(string path, object body) => _http.PostAsJsonAsync(path, body);

    public Task<HttpResponseMessage> PostRawAsync(string path, string json) =>
        _http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    public Task<HttpResponseMessage> PutAsync(string path, object body, string? ifMatch = null) =>
        SendAsync(HttpMethod.Put, path, JsonContent.Create(body), ifMatch);

    public Task<HttpResponseMessage> PatchAsync(string path, object body, string? ifMatch = null) =>
        SendAsync(HttpMethod.Patch, path, new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/merge-patch+json"), ifMatch);

    public Task<HttpResponseMessage> DeleteAsync(string path, string? ifMatch = null) => SendAsync(HttpMethod.Delete, path, null, ifMatch);

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, string? ifMatch)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return _http.SendAsync(request);
    }

    /// <summary>Signs this client's cookie jar in; only meaningful for clients made with cookies.</summary>
    public async Task LoginAsync(string userName, string password)
    {
        _cookieClient = _server.NewHttpClient(cookies: true);
        var response = await _cookieClient.PostAsJsonAsync("/api/v1/account/login", new { userName, password });
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    /// <summary>Creates an API token through the cookie session of <see cref="LoginAsync"/>; returns its secret.</summary>
    public async Task<string> CreateTokenAsync(string name, string scope = "readWrite")
    {
        var response = await _cookieClient!.PostAsJsonAsync("/api/v1/account/tokens", new { name, scope });
        var body = await response.ReadJsonAsync(HttpStatusCode.Created);
        return body["secret"]!.GetValue<string>();
    }

    private HttpClient? _cookieClient;

    /// <summary>The cookie-session client of <see cref="LoginAsync"/>, as the web UI would use the API.</summary>
    public HttpClient CookieClient => _cookieClient ?? throw new InvalidOperationException("Call LoginAsync first.");

    /// <summary>As admin: creates a person with a local account, signs them in and returns a client with their own API token.</summary>
    public async Task<ApiClient> CreateUserAsync(string displayName, string scope = "readWrite")
    {
        var userName = displayName.ToLowerInvariant().Replace(' ', '.') + "." + Guid.NewGuid().ToString("N")[..8];
        const string password = "a-long-enough-password";
        var created = await (await PostAsync("/api/v1/people", new { displayName, userName, password, email = userName + "@example.org" }))
            .ReadJsonAsync(HttpStatusCode.Created);
        var person = new ApiClient(_server.NewHttpClient(), _server);
        await person.LoginAsync(userName, password);
        var token = await person.CreateTokenAsync("tests", scope);
        return new ApiClient(_server.NewHttpClient(), _server, token, Guid.Parse(created["id"]!.GetValue<string>()));
    }
}

public static class HttpResponseExtensions
{
    /// <summary>Asserts the status (showing the body when it differs) and parses the JSON body.</summary>
    public static async Task<JsonNode> ReadJsonAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected} {expected} but got {(int)response.StatusCode} {response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>Asserts an RFC 9457 problem with the given status and returns it.</summary>
    public static async Task<JsonNode> ReadProblemAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var problem = await response.ReadJsonAsync(expected);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)expected, problem["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrEmpty(problem["title"]?.GetValue<string>()));
        Assert.StartsWith("https://idrp.dev/problems/", problem["type"]!.GetValue<string>());
        return problem;
    }

    public static Guid Id(this JsonNode node) => Guid.Parse(node["id"]!.GetValue<string>());

    public static string ETag(this HttpResponseMessage response) => response.Headers.ETag!.ToString();
}
