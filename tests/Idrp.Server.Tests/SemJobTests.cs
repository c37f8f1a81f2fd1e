using System.Net;
using System.Text.Json.Nodes;
using Idrp.Analysis.Sem;
using Idrp.Testing;

namespace Idrp.Server.Tests;

/// <summary>
/// The SEM classifier as jobs, on synthetic images: train on a labelled measurement, classify new images (and the two
/// real ones), confirm and correct categories, find them by category in search, retrain with the confirmed label.
/// </summary>
public sealed class SemJobTests(IdrpServer server) : IClassFixture<IdrpServer>
{
    private const int PerCategory = 8;

    private static readonly string[] RealImages = ["L6_0a6f18702a4a32677c74ed390f3af7af.jpg", "L6_0a6f78b39b585f1be2400daebf44dcb3.jpg"];

    [Fact]
    public async Task Train_classify_confirm_search_and_retrain()
    {
        var ct = TestContext.Current.CancellationToken;
        var user = await (await server.AdminAsync()).CreateUserAsync("Sem User");
        var proposal = (await user.CreateProposalAsync()).Id();
        var experiment = (await user.CreateExperimentAsync(proposal)).Id();
        var trainingSet = (await user.CreateMeasurementAsync(experiment, name: "SEM training set")).Id();
        var trainingImages = await SemData.UploadTrainingSetAsync(user, trainingSet, PerCategory);

        // Classifying before any model exists says what to do.
        var early = await (await user.PostAsync("/api/v1/jobs", new { type = "sem.classify", measurementId = trainingSet, parameters = new { } })).ReadJsonAsync(HttpStatusCode.Accepted);
        var failed = await JobsWait.UntilEndedAsync(user, early.Id());
        Assert.Equal("failed", failed["state"]!.GetValue<string>());
        Assert.Contains("run a sem.train job", failed["error"]!.GetValue<string>());

        // Train: labels from the category folders; a fifth of each category held out.
        var trained = await SemData.RunJobAsync(user, "sem.train", trainingSet);
        var report = trained["result"]!;
        Assert.Equal(PerCategory * 10, report["labelSources"]!["folder"]!.GetValue<int>());
        Assert.Equal(20, report["heldOutImages"]!.GetValue<int>());
        Assert.True(report["heldOutAccuracy"]!.GetValue<double>() >= 0.6, $"held-out accuracy {report["heldOutAccuracy"]} (chance 0.1)");
        var version = report["modelVersion"]!.GetValue<string>();
        var outputs = trained["outputs"]!.AsArray().ToDictionary(o => o!["name"]!.GetValue<string>(), o => o!);
        Assert.Equal(["confusion.png", "model.json", "model.zip"], outputs.Keys.Order());
        Assert.All(outputs.Values, o => Assert.Equal($"sem-models/{version}", o!["relativePath"]!.GetValue<string>()));
        Assert.Equal(report["modelAssetId"]!.GetValue<string>(), outputs["model.json"]!["assetId"]!.GetValue<string>());
        var confusion = await user.Http.GetByteArrayAsync($"/api/v1/data-assets/{report["confusionAssetId"]!.GetValue<string>()}/content", ct);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, confusion[..4]);
        var madeFrom = (await (await user.GetAsync($"/api/v1/derivations?outputAssetId={report["modelAssetId"]!.GetValue<string>()}")).ReadJsonAsync(HttpStatusCode.OK))["items"]![0]!;
        Assert.Equal("sem.train", madeFrom["activity"]!.GetValue<string>());
        Assert.Equal(trainingImages.Order(), madeFrom["inputAssetIds"]!.AsArray().Select(i => Guid.Parse(i!.GetValue<string>())).Order());

        // Classify a folder of new images (another seed), the two real nanowire images and a damaged file.
        var token = "semfolder" + Guid.NewGuid().ToString("N")[..6];
        var folder = (await user.CreateMeasurementAsync(experiment, name: $"SEM folder {token}")).Id();
        var truth = new Dictionary<Guid, string>();
        foreach (var (category, i) in SemCategories.All.Select((c, i) => (c, i)))
        {
            truth[await SemData.UploadAsync(user, folder, "new", $"sample-{i:D2}.jpg", SemData.Jpeg(category, i, seed: 99))] = category;
        }

        var real = new List<Guid>();
        foreach (var file in RealImages.Select(name => SharedData.File("sem/Nanowires/" + name)))
        {
            real.Add(await SemData.UploadAsync(user, folder, "real", Path.GetFileName(file), await File.ReadAllBytesAsync(file, ct)));
        }

        Assert.Equal(2, real.Count);
        var broken = await SemData.UploadAsync(user, folder, "new", "broken.jpg", "not an image"u8.ToArray());
        var classified = await SemData.RunJobAsync(user, "sem.classify", folder);
        var result = classified["result"]!;
        Assert.Equal(version, result["modelVersion"]!.GetValue<string>());
        var images = result["images"]!.AsArray().ToDictionary(i => Guid.Parse(i!["assetId"]!.GetValue<string>()), i => i!);
        Assert.Equal(13, images.Count);
        Assert.All(truth.Keys, id => Assert.Equal(10, images[id]["top"]!.AsArray().Count));
        var right = truth.Count(t => images[t.Key]["outcome"]!.GetValue<string>() == t.Value);
        Assert.True(right >= 6, $"{right} of 10 new images right: {result.ToJsonString()}");
        Assert.Contains("not a JPEG", images[broken]["error"]!.GetValue<string>());
        foreach (var id in real)
        {
            // Nanowires, or an honest low confidence: never a confident wrong answer.
            var image = images[id];
            Assert.Null(image["error"]);
            Assert.True(image["outcome"]!.GetValue<string>() == SemCategories.Nanowires || image["probability"]!.GetValue<double>() < 0.9, image.ToJsonString());
        }

        // Each image carries its outcome as a category from the model, and search facets by it.
        var sample = truth.Keys.First();
        var outcome = images[sample]["outcome"]!.GetValue<string>();
        var tags = await (await user.GetAsync($"/api/v1/data-assets/{sample}/categories")).ReadJsonAsync(HttpStatusCode.OK);
        var tag = Assert.Single(tags.AsArray())!;
        Assert.Equal(("sem-category", outcome, $"model:idrp-sem-features@{version}", true),
            (tag["scheme"]!.GetValue<string>(), tag["value"]!.GetValue<string>(), tag["source"]!.GetValue<string>(), tag["counts"]!.GetValue<bool>()));
        Assert.Contains(folder, await SearchIdsAsync(user, "category=" + Uri.EscapeDataString(outcome)));
        var facets = (await (await user.GetAsync($"/api/v1/search?q={token}&facets=category")).ReadJsonAsync(HttpStatusCode.OK))["facets"]!["category"]!.AsArray()
            .Select(f => f!["value"]!.GetValue<string>()).ToList();
        Assert.Contains(outcome, facets);

        // A person corrects a real image: stored with who and when, counts over the model, in search too.
        var corrected = real[1];
        var confirmed = await (await user.PutAsync($"/api/v1/data-assets/{corrected}/categories/sem-category", new { value = SemCategories.Nanowires })).ReadJsonAsync(HttpStatusCode.OK);
        var person = confirmed.AsArray().Single(t => t!["source"]!.GetValue<string>().StartsWith("person:", StringComparison.Ordinal))!;
        Assert.True(person["counts"]!.GetValue<bool>());
        Assert.Equal(SemCategories.Nanowires, person["value"]!.GetValue<string>());
        Assert.False(confirmed.AsArray().Single(t => t!["source"]!.GetValue<string>().StartsWith("model:", StringComparison.Ordinal))!["counts"]!.GetValue<bool>());
        Assert.Contains(folder, await SearchIdsAsync(user, "category=Nanowires"));

        // A single-image measurement: once corrected, the model's value no longer finds it.
        var single = (await user.CreateMeasurementAsync(experiment, name: "SEM single")).Id();
        var tip = await SemData.UploadAsync(user, single, "", "tip.jpg", SemData.Jpeg(SemCategories.Tips, 3, seed: 5));
        var suggested = (await SemData.RunJobAsync(user, "sem.classify", single))["result"]!["images"]![0]!["outcome"]!.GetValue<string>();
        Assert.Contains(single, await SearchIdsAsync(user, "category=" + Uri.EscapeDataString(suggested)));
        var other = suggested == SemCategories.Particles ? SemCategories.Powder : SemCategories.Particles;
        await (await user.PutAsync($"/api/v1/data-assets/{tip}/categories/sem-category", new { value = other })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(single, await SearchIdsAsync(user, "category=" + Uri.EscapeDataString(suggested)));
        Assert.Contains(single, await SearchIdsAsync(user, "category=" + Uri.EscapeDataString(other)));

        // Classifying again keeps the person's label; withdrawing it lets the model's count again.
        await SemData.RunJobAsync(user, "sem.classify", single);
        Assert.Contains(single, await SearchIdsAsync(user, "category=" + Uri.EscapeDataString(other)));
        Assert.Equal(HttpStatusCode.NoContent, (await user.DeleteAsync($"/api/v1/data-assets/{tip}/categories/sem-category")).StatusCode);
        Assert.Contains(single, await SearchIdsAsync(user, "category=" + Uri.EscapeDataString(suggested)));

        // Another user cannot confirm in a proposal they are not a member of (and cannot see it: 404).
        var stranger = await (await server.AdminAsync()).CreateUserAsync("Sem Stranger");
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PutAsync($"/api/v1/data-assets/{tip}/categories/sem-category", new { value = "Tips" })).StatusCode);
        await (await user.PutAsync($"/api/v1/data-assets/{tip}/categories/sem-category", new { value = " " })).ReadProblemAsync(HttpStatusCode.UnprocessableEntity);

        // Retraining on the training set plus the corrected image learns from the confirmed label.
        var retrained = await SemData.RunJobAsync(user, "sem.train", trainingSet, [.. trainingImages, corrected]);
        var again = retrained["result"]!;
        Assert.Equal(1, again["labelSources"]!["confirmed"]!.GetValue<int>());
        var learnt = Assert.Single(again["confirmed"]!.AsArray())!;
        Assert.Equal((corrected.ToString(), SemCategories.Nanowires, "confirmed"),
            (learnt["assetId"]!.GetValue<string>(), learnt["label"]!.GetValue<string>(), learnt["source"]!.GetValue<string>()));
        Assert.NotEqual(version, again["modelVersion"]!.GetValue<string>());

        // The newest model is what classification uses from now on.
        var latest = await SemData.RunJobAsync(user, "sem.classify", single);
        Assert.Equal(again["modelVersion"]!.GetValue<string>(), latest["result"]!["modelVersion"]!.GetValue<string>());
    }

    private static async Task<List<Guid>> SearchIdsAsync(ApiClient client, string query) =>
        [.. (await (await client.GetAsync("/api/v1/search?facets=none&limit=100&" + query)).ReadJsonAsync(HttpStatusCode.OK))["items"]!.AsArray().Select(i => i!.Id())];
}
