using System.Buffers.Binary;
using System.Text;

namespace Idrp.Analysis.Kmap.Hdf5;

/// <summary>
/// Writes a minimal HDF5 file whose root group holds only external links, which is what an X-SOCS
/// master file is. PureHDF 2.2 reads external links but cannot write them, so the few hundred bytes
/// are laid out here by hand: a version-2 superblock and one version-2 object header with a Link Info,
/// a Group Info and one Link message per entry (HDF5 File Format Specification 3.0, sections II.A, IV.A.2).
/// h5py, silx and PureHDF read the result.
/// </summary>
internal static class ExternalLinkFileWriter
{
    private const ulong Undefined = ulong.MaxValue;

    /// <param name="links">Link name in the root group, target file (relative to the master file's folder) and object path in it.</param>
    public static void Write(string path, IReadOnlyList<(string Name, string TargetFile, string TargetPath)> links)
    {
        ArgumentNullException.ThrowIfNull(links);
        var messages = new List<byte[]>
        {
            Message(0x02, LinkInfo()),
            Message(0x0A, [0, 0]),
        };
        foreach (var (name, file, target) in links)
        {
            messages.Add(Message(0x06, ExternalLink(name, file, target)));
        }

        var chunkSize = messages.Sum(m => m.Length);
        var header = new byte[4 + 1 + 1 + 4 + chunkSize + 4];
        "OHDR"u8.CopyTo(header);
        header[4] = 2;
        header[5] = 0x02; // size of chunk #0 stored in 4 bytes, no times, no attribute creation order
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(6), (uint)chunkSize);
        var offset = 10;
        foreach (var m in messages)
        {
            m.CopyTo(header, offset);
            offset += m.Length;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(offset), Lookup3.Hash(header.AsSpan(0, offset)));

        const int superblockSize = 48;
        var superblock = new byte[superblockSize];
        new byte[] { 0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1a, (byte)'\n' }.CopyTo(superblock, 0);
        superblock[8] = 2;  // superblock version
        superblock[9] = 8;  // size of offsets
        superblock[10] = 8; // size of lengths
        superblock[11] = 0; // consistency flags
        BinaryPrimitives.WriteUInt64LittleEndian(superblock.AsSpan(12), 0);
        BinaryPrimitives.WriteUInt64LittleEndian(superblock.AsSpan(20), Undefined);
        BinaryPrimitives.WriteUInt64LittleEndian(superblock.AsSpan(28), (ulong)(superblockSize + header.Length));
        BinaryPrimitives.WriteUInt64LittleEndian(superblock.AsSpan(36), superblockSize);
        BinaryPrimitives.WriteUInt32LittleEndian(superblock.AsSpan(44), Lookup3.Hash(superblock.AsSpan(0, 44)));

        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        stream.Write(superblock);
        stream.Write(header);
    }

    private static byte[] Message(byte type, byte[] body)
    {
        var m = new byte[4 + body.Length];
        m[0] = type;
        BinaryPrimitives.WriteUInt16LittleEndian(m.AsSpan(1), (ushort)body.Length);
        m[3] = 0;
        body.CopyTo(m, 4);
        return m;
    }

    private static byte[] LinkInfo()
    {
        var b = new byte[2 + 8 + 8];
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(2), Undefined); // fractal heap
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(10), Undefined); // name index B-tree
        return b;
    }

    private static byte[] ExternalLink(string name, string file, string target)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        if (nameBytes.Length > 255)
        {
            throw new ArgumentException($"Link name '{name}' is longer than 255 bytes.", nameof(name));
        }

        var fileBytes = Encoding.UTF8.GetBytes(file);
        var targetBytes = Encoding.UTF8.GetBytes(target);
        var infoLength = 1 + fileBytes.Length + 1 + targetBytes.Length + 1;
        var b = new byte[1 + 1 + 1 + 1 + 1 + nameBytes.Length + 2 + infoLength];
        var o = 0;
        b[o++] = 1;    // version
        b[o++] = 0x18; // link type present, character set present, 1-byte name length
        b[o++] = 64;   // external link
        b[o++] = 1;    // UTF-8 name
        b[o++] = (byte)nameBytes.Length;
        nameBytes.CopyTo(b, o);
        o += nameBytes.Length;
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(o), (ushort)infoLength);
        o += 2;
        b[o++] = 0; // external link version 0, flags 0
        fileBytes.CopyTo(b, o);
        o += fileBytes.Length + 1;
        targetBytes.CopyTo(b, o);
        return b;
    }
}
