using System.Net;
using System.Text.Json.Nodes;

namespace Idrp.Testing;

/// <summary>Following a job over the API until it gets somewhere.</summary>
public static class JobsWait
{
    public static bool Ended(JsonNode job) => job["state"]!.GetValue<string>() is "succeeded" or "failed" or "cancelled";

    /// <summary>Polls the job until <paramref name="done"/> holds; on timeout fails with the job, its log and <paramref name="diagnostics"/>.</summary>
    public static async Task<JsonNode> UntilAsync(ApiClient user, Guid job, Func<JsonNode, bool> done, Func<string>? diagnostics = null, int timeoutSeconds = 120)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (true)
        {
            var current = await (await user.GetAsync($"/api/v1/jobs/{job}")).ReadJsonAsync(HttpStatusCode.OK);
            if (done(current))
            {
                return current;
            }

            if (DateTime.UtcNow > deadline)
            {
                var log = await (await user.GetAsync($"/api/v1/jobs/{job}/log")).Content.ReadAsStringAsync();
                Assert.Fail($"The job did not get there in time: {current.ToJsonString()}\nIts log: {log}\n{diagnostics?.Invoke()}");
            }

            await Task.Delay(100);
        }
    }

    public static Task<JsonNode> UntilEndedAsync(ApiClient user, Guid job, Func<string>? diagnostics = null) => UntilAsync(user, job, Ended, diagnostics);
}
