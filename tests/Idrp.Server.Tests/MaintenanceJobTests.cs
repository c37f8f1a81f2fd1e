using System.Net;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Idrp.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace Idrp.Server.Tests;

/// <summary>The platform's recurring jobs, fired through Quartz as their schedule would: scheduled fixity, expired uploads.</summary>
public sealed class MaintenanceJobTests(IdrpServer server) : IClassFixture<IdrpServer>
{
    private async Task FireAsync(string name)
    {
        var scheduler = await server.Services.GetRequiredService<ISchedulerFactory>().GetScheduler(TestContext.Current.CancellationToken);
        await scheduler.TriggerJob(new JobKey(name, "idrp-maintenance"), TestContext.Current.CancellationToken);
    }

    private async Task<(ApiClient User, Guid Measurement)> MeasurementAsync(string name)
    {
        var user = await (await server.AdminAsync()).CreateUserAsync(name);
        var proposal = (await user.CreateProposalAsync()).Id();
        return (user, (await user.CreateMeasurementAsync((await user.CreateExperimentAsync(proposal)).Id())).Id());
    }

    [Fact]
    public async Task The_scheduled_fixity_check_notes_on_each_asset_how_it_went()
    {
        var (user, measurement) = await MeasurementAsync("Scheduled Fixity User");
        var intact = await user.UploadFileAsync(measurement, "intact.bin", Tus.RandomBytes(50_000, 1));
        var lost = await user.UploadFileAsync(measurement, "lost.bin", Tus.RandomBytes(50_000, 2));
        await server.Storage.OverwriteBlobAsync(server.DataDirectory, Infrastructure.Storage.BlobKeys.ForAsset(lost), null);

        await FireAsync("scheduled-fixity");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        JsonNodeHolder state;
        do
        {
            await Task.Delay(200, TestContext.Current.CancellationToken);
            state = new(
                await (await user.GetAsync($"/api/v1/data-assets/{intact}")).ReadJsonAsync(HttpStatusCode.OK),
                await (await user.GetAsync($"/api/v1/data-assets/{lost}")).ReadJsonAsync(HttpStatusCode.OK));
        }
        while (state.Lost["fixityStatus"] is null && DateTime.UtcNow < deadline);

        Assert.Equal("ok", state.Intact["fixityStatus"]!.GetValue<string>());
        Assert.Equal("missing", state.Lost["fixityStatus"]!.GetValue<string>());
        Assert.NotNull(state.Intact["fixityCheckedAt"]);
        Assert.Contains(server.Logs, l => l.Contains($"data asset {lost}", StringComparison.Ordinal) && l.Contains("Missing", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Expired_unfinished_uploads_are_ended_and_their_bytes_freed()
    {
        var (user, measurement) = await MeasurementAsync("Expired Upload User");
        var data = Tus.RandomBytes(100_000, 3);
        var asset = (await (await user.PostAsync("/api/v1/data-assets", new { measurementId = measurement, dataAssetName = "half.bin", dataSize = data.Length, dataChecksum = Tus.Sha256(data) }))
            .ReadJsonAsync(HttpStatusCode.Created)).Id();
        var location = await user.CreateForAssetAsync(asset, data.Length);
        Assert.Equal(HttpStatusCode.NoContent, (await user.PatchAsync(location, 0, data.AsMemory(0, 40_000))).StatusCode);
        var uploadId = Guid.Parse(location.Split('/')[^1]);
        Assert.NotEmpty(await server.Storage.ListAsync(server.DataDirectory, BlobKeysOf(uploadId)));

        // Let it expire: the clock is real, so move the expiry instead.
        using (var scope = server.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<IdrpDbContext>();
            await db.Uploads.Where(u => u.Id == uploadId).ExecuteUpdateAsync(s => s.SetProperty(u => u.ExpiresAt, DateTimeOffset.UtcNow.AddMinutes(-1)), TestContext.Current.CancellationToken);
        }

        await FireAsync("expired-uploads");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        UploadState uploadState;
        do
        {
            await Task.Delay(200, TestContext.Current.CancellationToken);
            using var scope = server.Services.CreateScope();
            uploadState = await scope.ServiceProvider.GetRequiredService<IdrpDbContext>().Uploads.Where(u => u.Id == uploadId).Select(u => u.State).SingleAsync(TestContext.Current.CancellationToken);
        }
        while (uploadState == UploadState.Active && DateTime.UtcNow < deadline);

        Assert.Equal(UploadState.Failed, uploadState);
        Assert.Empty(await server.Storage.ListAsync(server.DataDirectory, BlobKeysOf(uploadId)));
        var head = await user.Http.SendAsync(Tus.Request(HttpMethod.Head, location), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Gone, head.StatusCode);
        var record = await (await user.GetAsync($"/api/v1/data-assets/{asset}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.False(record["hasData"]!.GetValue<bool>());
    }

    private static string BlobKeysOf(Guid uploadId) => Infrastructure.Storage.BlobKeys.ForUpload(uploadId);

    private sealed record JsonNodeHolder(System.Text.Json.Nodes.JsonNode Intact, System.Text.Json.Nodes.JsonNode Lost);
}
