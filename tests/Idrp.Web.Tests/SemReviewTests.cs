using System.Net;
using Idrp.Analysis.Sem;
using Idrp.Testing;
using Microsoft.Playwright;
using static Idrp.Web.Tests.Browsing;

namespace Idrp.Web.Tests;

/// <summary>
/// Reviewing SEM categories in the browser: a model trained by the sem.train job on synthetic images, a folder of new
/// images classified by sem.classify, one confirmed with the keyboard, found by its category in search, and learnt
/// from when the model is trained again.
/// </summary>
public sealed class SemReviewTests(BrowserFixture fixture)
{
    [Fact]
    public async Task A_folder_of_images_is_reviewed_with_the_keyboard_and_the_confirmed_label_counts()
    {
        var admin = await fixture.Server.AdminAsync();
        var suffix = NewSuffix();
        var personId = await admin.CreatePersonAsync($"Sara Sem {suffix}", $"sara.{suffix}");
        var proposal = await admin.CreateProposalAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PutAsync($"/api/v1/proposals/{proposal.Id()}/members/{personId}", new { role = "member" })).StatusCode);
        var experiment = (await admin.CreateExperimentAsync(proposal.Id())).Id();
        var trainingSet = (await admin.CreateMeasurementAsync(experiment, name: $"SEM training {suffix}")).Id();
        var trainingImages = await SemData.UploadTrainingSetAsync(admin, trainingSet, perCategory: 4);
        var trained = (await SemData.RunJobAsync(admin, "sem.train", trainingSet))["result"]!;

        var token = "semreview" + suffix;
        var folder = (await admin.CreateMeasurementAsync(experiment, name: $"SEM folder {token}")).Id();
        string[] categories = [SemCategories.Tips, SemCategories.Particles, SemCategories.Nanowires];
        var truth = new Dictionary<Guid, string>();
        foreach (var (category, i) in categories.Select((c, i) => (c, i)))
        {
            truth[await SemData.UploadAsync(admin, folder, "new", $"image-{i}.jpg", SemData.Jpeg(category, i, seed: 42))] = category;
        }

        var images = (await SemData.RunJobAsync(admin, "sem.classify", folder))["result"]!["images"]!.AsArray()
            .OrderBy(i => i!["probability"]!.GetValue<double>()).Select(i => Guid.Parse(i!["assetId"]!.GetValue<string>())).ToList();

        var page = await fixture.NewPageAsync();
        await page.SignInAsync($"sara.{suffix}");
        await fixture.VisitAsync(page, $"/measurements/{folder}/classify", "sem-review");
        var cards = page.Locator(".sem-card");
        await Expect(cards).ToHaveCountAsync(3);
        await Expect(cards.First.Locator("button.sem-choice")).ToHaveCountAsync(10);
        var example = cards.First.Locator("button.sem-choice img").Nth(5);
        await Expect(example).ToHaveJSPropertyAsync("complete", true);
        Assert.Equal(192, await example.EvaluateAsync<int>("img => img.naturalWidth"));

        // Least certain first, and it is the current one; j and k move between images.
        Assert.Equal(images.Select(i => i.ToString()), await cards.EvaluateAllAsync<string[]>("cards => cards.map(c => c.dataset.asset)"));
        var current = page.Locator(".sem-card.current");
        await Expect(current).ToHaveAttributeAsync("data-asset", images[0].ToString());
        await page.Keyboard.PressAsync("j");
        await Expect(current).ToHaveAttributeAsync("data-asset", images[1].ToString());
        await page.Keyboard.PressAsync("k");
        await Expect(current).ToHaveAttributeAsync("data-asset", images[0].ToString());

        // Pick the true category with its digit, confirm with Enter.
        var target = images[0];
        var label = truth[target];
        var key = SemCategories.All.ToList().IndexOf(label).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await page.Keyboard.PressAsync(key);
        await Expect(current.Locator("button.chosen")).ToHaveAttributeAsync("value", label);
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator(".notice")).ToContainTextAsync($"{label}.");
        var done = page.Locator($"#a-{target}");
        await Expect(done).ToHaveAttributeAsync("data-confirmed", "true");
        await Expect(done.Locator(".sem-confirmed")).ToContainTextAsync($"Confirmed: {label} by Sara Sem {suffix}");
        // Confirmed images go last; the next one to review is current.
        await Expect(cards.Last).ToHaveAttributeAsync("data-asset", target.ToString());
        await Expect(current).ToHaveAttributeAsync("data-asset", images[1].ToString());

        // The model's accuracy and its confusion matrix.
        await Expect(page.Locator("#sem-accuracy")).ToContainTextAsync(trained["modelVersion"]!.GetValue<string>());
        var confusion = page.Locator("img.sem-confusion");
        await Expect(confusion).ToHaveJSPropertyAsync("complete", true);
        Assert.Equal(900, await confusion.EvaluateAsync<int>("img => img.naturalWidth"));
        await fixture.ScreenshotAsync(page, "sem-review-confirmed");

        // Search finds the folder by the confirmed category.
        var found = await (await admin.GetAsync($"/api/v1/search?q={token}&category={Uri.EscapeDataString(label)}&facets=category")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(folder, Assert.Single(found["items"]!.AsArray())!.Id());

        // Training again learns from the person's label.
        var again = (await SemData.RunJobAsync(admin, "sem.train", trainingSet, [.. trainingImages, target]))["result"]!;
        var learnt = Assert.Single(again["confirmed"]!.AsArray())!;
        Assert.Equal((target.ToString(), label), (learnt["assetId"]!.GetValue<string>(), learnt["label"]!.GetValue<string>()));
    }
}
