using System.Text;
using Idrp.Analysis.Kmap.Hdf5;

namespace Idrp.Analysis.Kmap.Tests;

public sealed class Lookup3Tests
{
    [Fact]
    public void Empty_input_hashes_to_the_initial_constant() =>
        Assert.Equal(0xdeadbeefu, Lookup3.Hash([]));

    [Fact]
    public void Matches_the_reference_value_from_lookup3_c()
    {
        // driver5 in Bob Jenkins' lookup3.c: hashlittle("Four score and seven years ago", 30, 0) = 0x17770551
        Assert.Equal(0x17770551u, Lookup3.Hash(Encoding.ASCII.GetBytes("Four score and seven years ago")));
    }

    [Fact]
    public void Initial_value_changes_the_hash()
    {
        // driver5: hashlittle("Four score and seven years ago", 30, 1) = 0xcd628161
        Assert.Equal(0xcd628161u, Lookup3.Hash(Encoding.ASCII.GetBytes("Four score and seven years ago"), 1));
    }
}
