using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence;
using Idrp.Infrastructure.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Idrp.Server.Features.Uploads;

/// <summary>
/// When the server stops in an orderly way, makes durable the bytes that appends wrote without waiting for the disk
/// (<see cref="StorageOptions.UploadSyncBytes"/>) and records their offset, so that after a restart an upload resumes
/// where its client was told it stood. A killed server skips this; its uploads resume from the last durable offset.
/// </summary>
internal sealed class PendingUploadsFlush(UploadHashes hashes, IServiceScopeFactory scopes, IBlobStore store, TimeProvider clock, IOptions<StorageOptions> storage, ILogger<PendingUploadsFlush> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var (uploadId, written) in hashes.Written())
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<IdrpDbContext>();
            var upload = await db.Uploads.FirstOrDefaultAsync(u => u.Id == uploadId && u.State == UploadState.Active, cancellationToken);
            if (upload is null || upload.Offset >= written
                || await UploadsApi.TryLeaseAsync(db, uploadId, clock, storage.Value.UploadLease, cancellationToken) is not { } holder)
            {
                // Finished, already durable, or a request is appending right now (an append cut short by the stop is made durable by itself).
                continue;
            }

            try
            {
                // Under the lease no append runs, so what the cache says is what the staging area holds.
                if (hashes.WrittenOffset(uploadId) == written)
                {
                    await store.AppendAsync(upload.StagingKey, written, Stream.Null, 0, observer: null, durable: true, cancellationToken);
                    upload.Offset = written;
                    await db.SaveChangesAsync(cancellationToken);
                }
            }
            catch (Exception e) when (e is IOException or DbUpdateException)
            {
                logger.LogWarning(e, "Upload {UploadId}: the bytes past offset {Offset} could not be made durable; it resumes from there", uploadId, upload.Offset);
            }
            finally
            {
                await UploadsApi.ReleaseLeaseAsync(db, uploadId, holder);
            }
        }
    }
}
