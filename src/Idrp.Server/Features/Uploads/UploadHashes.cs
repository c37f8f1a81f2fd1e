using System.Collections.Concurrent;
using System.Security.Cryptography;
using Idrp.Infrastructure.Storage;

namespace Idrp.Server.Features.Uploads;

/// <summary>SHA-256 and MD5 of an upload's bytes so far, at a known offset.</summary>
internal sealed class UploadHashState : IDisposable
{
    public ContentHashes Hashes { get; } = new();

    public long Offset { get; private set; }

    /// <summary>Hashes a piece (SHA-256 now, MD5 in the hashes' own lane); the task completes when both are done with it.</summary>
    public Task Append(ReadOnlyMemory<byte> data)
    {
        Offset += data.Length;
        return Hashes.AppendPipelined(data);
    }

    public void Dispose() => Hashes.Dispose();
}

/// <summary>
/// Running checksums of active uploads, so that each byte is hashed once as it arrives. This is a cache,
/// not state: .NET cannot persist a hash's inner state, so after a restart, or on another server of a
/// cluster, the checksum is rebuilt by reading back the bytes already staged.
/// </summary>
internal sealed class UploadHashes
{
    private const int Capacity = 512;
    private readonly ConcurrentDictionary<Guid, UploadHashState> _states = new();

    /// <summary>The state at <paramref name="offset"/>: cached when it matches, else rebuilt from the staged bytes.</summary>
    public async Task<UploadHashState> AtAsync(Guid uploadId, string stagingKey, long offset, IBlobStore store, CancellationToken cancellationToken)
    {
        if (_states.TryRemove(uploadId, out var cached))
        {
            if (cached.Offset == offset)
            {
                return cached;
            }

            cached.Dispose();
        }

        var state = new UploadHashState();
        if (offset > 0)
        {
            await using var staged = await store.OpenStagingAsync(stagingKey, offset, cancellationToken);
            // Two buffers: one is read while the other's MD5 runs in the hashes' lane.
            byte[][] buffers = [new byte[1 << 20], new byte[1 << 20]];
            Task[] hashed = [Task.CompletedTask, Task.CompletedTask];
            for (var i = 0; state.Offset < offset; i ^= 1)
            {
                await hashed[i];
                var read = await staged.ReadAsync(buffers[i].AsMemory(0, (int)Math.Min(buffers[i].Length, offset - state.Offset)), cancellationToken);
                if (read == 0)
                {
                    state.Dispose();
                    throw new InvalidOperationException($"The staged bytes of upload {uploadId} end before offset {offset}.");
                }

                hashed[i] = state.Append(buffers[i].AsMemory(0, read));
            }

            await Task.WhenAll(hashed);
        }

        return state;
    }

    /// <summary>Where the bytes this server last wrote to the upload end (null when it has no state for it).</summary>
    public long? WrittenOffset(Guid uploadId) => _states.TryGetValue(uploadId, out var state) ? state.Offset : null;

    /// <summary>Every cached upload with the end of the bytes this server wrote to it.</summary>
    public List<(Guid UploadId, long Written)> Written() => _states.Select(p => (p.Key, p.Value.Offset)).ToList();

    /// <summary>Keeps the state for the next request of the same upload.</summary>
    public void Keep(Guid uploadId, UploadHashState state)
    {
        if (_states.Count >= Capacity)
        {
            // Crude but bounded: a dropped state is only rebuilt from the staged bytes.
            foreach (var key in _states.Keys.Take(Capacity / 4))
            {
                Forget(key);
            }
        }

        if (!_states.TryAdd(uploadId, state))
        {
            state.Dispose();
        }
    }

    public void Forget(Guid uploadId)
    {
        if (_states.TryRemove(uploadId, out var state))
        {
            state.Dispose();
        }
    }
}
