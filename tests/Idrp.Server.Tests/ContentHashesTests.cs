using System.Security.Cryptography;
using Idrp.Infrastructure.Storage;

namespace Idrp.Server.Tests;

/// <summary>
/// SHA-256 and MD5 of a stream of pieces: pipelined (MD5 on its own lane, the caller going on meanwhile) or not, in
/// any mix, they are the checksums of the bytes in order.
/// </summary>
public sealed class ContentHashesTests
{
    [Fact]
    public async Task Pipelined_and_plain_pieces_of_any_size_give_the_checksums_of_all_bytes_in_order()
    {
        var data = new byte[(3 << 20) + 777];
        new Random(5).NextBytes(data);
        using var hashes = new ContentHashes();
        var pending = new List<Task>();
        var position = 0;
        foreach (var size in new[] { 1 << 20, 1, 4096, 300_000, 1 << 20, 17 })
        {
            pending.Add(hashes.AppendPipelined(data.AsMemory(position, size)));
            position += size;
        }

        // A plain append after pipelined ones waits for them: the order of the bytes is kept.
        hashes.Append(data.AsMemory(position, 100_000));
        position += 100_000;
        pending.Add(hashes.AppendPipelined(data.AsMemory(position)));
        await Task.WhenAll(pending);

        Assert.Equal(data.Length, hashes.Length);
        Assert.Equal(SHA256.HashData(data), hashes.Sha256AndReset());
        Assert.Equal(MD5.HashData(data), hashes.Md5AndReset());
    }

    [Fact]
    public void The_md5_waits_for_pieces_still_in_its_lane()
    {
        var data = new byte[8 << 20];
        new Random(6).NextBytes(data);
        using var hashes = new ContentHashes();
        for (var i = 0; i < 8; i++)
        {
            // Not awaited: Md5AndReset must still see every piece.
            _ = hashes.AppendPipelined(data.AsMemory(i << 20, 1 << 20));
        }

        Assert.Equal(MD5.HashData(data), hashes.Md5AndReset());
        Assert.Equal(SHA256.HashData(data), hashes.Sha256AndReset());
    }
}
