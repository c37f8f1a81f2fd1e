using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace Idrp.Server.Hosting;

/// <summary>
/// Kestrel's connection buffers in blocks of <see cref="LargeBlockMemoryPool.BlockSize"/> instead of its default 4 KiB.
/// Kestrel receives into the free end of the connection's newest block, so the block size bounds each socket read:
/// with 4 KiB blocks a 4 GiB upload took a million receive calls, whose fixed cost per call (system call, Kestrel's
/// pipe, the body stream's copy) was about a fifth of the server's CPU. Registered in place of Kestrel's own factory
/// (<see cref="IMemoryPoolFactory{T}"/>), which the socket transport takes from the services.
/// </summary>
internal sealed class LargeBlockMemoryPoolFactory : IMemoryPoolFactory<byte>
{
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new LargeBlockMemoryPool();
}

/// <summary>
/// Pinned blocks (the socket reads into them while a read is pending, so they must not move), kept for reuse up to
/// <see cref="Kept"/> blocks per pool; more are left to the garbage collector. Requests larger than a block (Kestrel
/// asks for at most <see cref="MaxBufferSize"/>) get a block of their own that is not kept.
/// </summary>
internal sealed class LargeBlockMemoryPool : MemoryPool<byte>
{
    /// <summary>64 KiB: the most that loopback and most networks hand over per segment, so one read takes what arrived.</summary>
    public const int BlockSize = 64 * 1024;

    /// <summary>Blocks kept for reuse: 16 MiB, enough for a few dozen busy connections' reads in flight.</summary>
    private const int Kept = 256;

    private readonly ConcurrentQueue<Block> _free = new();
    private int _freeCount;
    private bool _disposed;

    public override int MaxBufferSize => BlockSize;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (minBufferSize > BlockSize)
        {
            return new Block(null, minBufferSize);
        }

        if (_free.TryDequeue(out var block))
        {
            Interlocked.Decrement(ref _freeCount);
            block.Rented();
            return block;
        }

        return new Block(this, BlockSize);
    }

    private void Return(Block block)
    {
        if (!_disposed && Interlocked.Increment(ref _freeCount) <= Kept)
        {
            _free.Enqueue(block);
        }
        else
        {
            Interlocked.Decrement(ref _freeCount);
        }
    }

    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        _free.Clear();
    }

    /// <summary>One block; disposing it gives it back to its pool (once per rental).</summary>
    private sealed class Block(LargeBlockMemoryPool? pool, int length) : IMemoryOwner<byte>
    {
        private int _returned;

        public Memory<byte> Memory { get; } = GC.AllocateUninitializedArray<byte>(length, pinned: true);

        public void Rented() => _returned = 0;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _returned, 1) == 0)
            {
                pool?.Return(this);
            }
        }
    }
}
