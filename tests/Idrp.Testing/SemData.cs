using System.Net;
using System.Text.Json.Nodes;
using Idrp.Analysis.Sem;
using Idrp.Analysis.Sem.Synthetic;
using Idrp.Imaging;

namespace Idrp.Testing;

/// <summary>Small synthetic SEM images (the generator of Idrp.Analysis.Sem) uploaded into measurements, and the SEM jobs run on them.</summary>
public static class SemData
{
    /// <summary>Small enough to keep the suite fast, large enough for the features' 320-pixel working copy.</summary>
    public const int Width = 320, Height = 240;

    /// <summary>A synthetic image of <paramref name="category"/> as JPEG bytes.</summary>
    public static byte[] Jpeg(string category, int index, int seed)
    {
        using var jpeg = new MemoryStream();
        ImageEncoder.WriteJpeg(SyntheticSem.Generate(category, index, seed, Width, Height), jpeg, 90);
        return jpeg.ToArray();
    }

    /// <summary>Uploads <paramref name="perCategory"/> images of each category into train/&lt;Category&gt;/ (labelled by folder); returns their ids.</summary>
    public static async Task<List<Guid>> UploadTrainingSetAsync(ApiClient client, Guid measurementId, int perCategory, int seed = 1)
    {
        var ids = new List<Guid>();
        foreach (var category in SemCategories.All)
        {
            for (var i = 0; i < perCategory; i++)
            {
                ids.Add(await UploadAsync(client, measurementId, "train/" + category.Replace(' ', '_'), $"img-{i:D2}.jpg", Jpeg(category, i, seed)));
            }
        }

        return ids;
    }

    /// <summary>Registers a stored asset in a folder and uploads its bytes in one tus request; returns its id.</summary>
    public static async Task<Guid> UploadAsync(ApiClient client, Guid measurementId, string folder, string name, byte[] data)
    {
        var asset = (await (await client.PostAsync("/api/v1/data-assets", new { measurementId, relativePath = folder, dataAssetName = name, dataSize = data.Length, dataChecksum = Tus.Sha256(data) }))
            .ReadJsonAsync(HttpStatusCode.Created)).Id();
        var location = await client.CreateForAssetAsync(asset, data.Length);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PatchAsync(location, 0, data)).StatusCode);
        return asset;
    }

    /// <summary>Submits a job and waits for it to succeed; returns the job.</summary>
    public static async Task<JsonNode> RunJobAsync(ApiClient client, string type, Guid measurementId, IReadOnlyList<Guid>? inputs = null, object? parameters = null)
    {
        var job = await (await client.PostAsync("/api/v1/jobs", new { type, measurementId, inputs, parameters = parameters ?? new { } })).ReadJsonAsync(HttpStatusCode.Accepted);
        var done = await JobsWait.UntilEndedAsync(client, job.Id());
        Assert.True(done["state"]!.GetValue<string>() == "succeeded", $"{type}: {done.ToJsonString()}");
        return done;
    }
}
