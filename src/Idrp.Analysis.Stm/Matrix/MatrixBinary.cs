using System.Buffers.Binary;
using System.Text;

namespace Idrp.Analysis.Stm.Matrix;

/// <summary>A forward-only little-endian reader over one block of an Omicron MATRIX file.</summary>
internal ref struct MatrixBinary(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;

    public int Position { get; private set; }

    public readonly int Remaining => _data.Length - Position;

    public ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > Remaining)
        {
            throw new MatrixFormatException($"Block ends early: {count} bytes wanted, {Remaining} left.");
        }

        var span = _data.Slice(Position, count);
        Position += count;
        return span;
    }

    public void Skip(int count) => Take(count);

    public uint UInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    public ulong UInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    public double Double() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

    /// <summary>Block and type tags are stored reversed ("ATAD" for DATA).</summary>
    public string Tag()
    {
        Span<char> chars = stackalloc char[4];
        var bytes = Take(4);
        for (var i = 0; i < 4; i++)
        {
            chars[i] = (char)bytes[3 - i];
        }

        return new string(chars);
    }

    /// <summary>A string: UInt32 character count, then UTF-16LE.</summary>
    public string String()
    {
        var length = UInt32();
        if (length > 100_000)
        {
            throw new MatrixFormatException($"String length {length} is implausible.");
        }

        return Encoding.Unicode.GetString(Take(checked((int)length * 2)));
    }

    /// <summary>A typed value: tag BOOL, LONG, STRG or DOUB.</summary>
    public object Value()
    {
        var tag = Tag();
        return tag switch
        {
            "BOOL" => UInt32() != 0,
            "LONG" => (long)UInt32(),
            "STRG" => String(),
            "DOUB" => Double(),
            _ => throw new MatrixFormatException($"Unknown MATRIX value type '{tag}'."),
        };
    }
}

/// <summary>A MATRIX file that does not have the expected structure; the message names the problem.</summary>
public sealed class MatrixFormatException(string message) : Exception(message);
