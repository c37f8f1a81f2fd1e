using Idrp.Server.Hosting;

namespace Idrp.Server.Tests;

/// <summary>Kestrel's connection buffers: 64 KiB blocks, reused, each given back once however often it is disposed.</summary>
public sealed class LargeBlockMemoryPoolTests
{
    [Fact]
    public void Blocks_are_64_KiB_whatever_is_asked_and_come_back_for_reuse()
    {
        using var pool = new LargeBlockMemoryPoolFactory().Create(new Microsoft.AspNetCore.Connections.MemoryPoolOptions { Owner = "kestrel" });
        Assert.Equal(64 * 1024, pool.MaxBufferSize);

        // Kestrel's pipes ask for 4 KiB or less; the whole block is theirs, so a socket read can fill 64 KiB.
        var first = pool.Rent(4096);
        Assert.Equal(64 * 1024, first.Memory.Length);
        first.Memory.Span[0] = 42;
        first.Dispose();
        var again = pool.Rent(2048);
        Assert.Same(first, again);
        Assert.Equal(42, again.Memory.Span[0]);
    }

    [Fact]
    public void A_block_disposed_twice_goes_back_once()
    {
        using var pool = new LargeBlockMemoryPoolFactory().Create();
        var block = pool.Rent();
        block.Dispose();
        block.Dispose();
        var a = pool.Rent();
        var b = pool.Rent();
        Assert.NotSame(a, b);
        Assert.Same(block, a);
    }

    [Fact]
    public void A_request_larger_than_a_block_gets_a_block_of_its_own()
    {
        using var pool = new LargeBlockMemoryPoolFactory().Create();
        using var large = pool.Rent(100_000);
        Assert.True(large.Memory.Length >= 100_000);
    }
}
