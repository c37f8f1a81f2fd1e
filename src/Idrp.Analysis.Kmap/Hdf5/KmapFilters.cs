using System.IO.Compression;
using PureHDF.Filters;

namespace Idrp.Analysis.Kmap.Hdf5;

/// <summary>
/// HDF5 filters for KMAP files. PureHDF ships shuffle and deflate, but its deflate writes only the levels
/// 0, 1, 6 and 9 while ID01 and X-SOCS files use level 4; this deflate writes any zlib level (0-9) through
/// <see cref="ZLibCompressionOptions"/> and reads exactly as before (zlib-ng inside System.IO.Compression).
/// </summary>
public static class KmapFilters
{
    private static int s_registered;

    /// <summary>Registers the filters once per process; idempotent and thread-safe.</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref s_registered, 1) == 0)
        {
            H5Filter.Register(new LevelledDeflateFilter());
        }
    }

    private sealed class LevelledDeflateFilter : IH5Filter
    {
        public ushort FilterId => DeflateFilter.Id;

        public string Name => "deflate";

        public Memory<byte> Filter(FilterInfo info)
        {
            if (info.Flags.HasFlag(H5FilterFlags.Decompress))
            {
                var output = new byte[Math.Max(info.ChunkSize, 64)];
                using var source = new ReadOnlyMemoryStream(info.Buffer);
                using var zlib = new ZLibStream(source, CompressionMode.Decompress);
                var total = 0;
                while (true)
                {
                    if (total == output.Length)
                    {
                        Array.Resize(ref output, output.Length * 2);
                    }

                    var read = zlib.Read(output, total, output.Length - total);
                    if (read == 0)
                    {
                        break;
                    }

                    total += read;
                }

                return output.AsMemory(0, total);
            }

            var level = info.Parameters.Length > 0 ? (int)info.Parameters[0] : 6;
            using var compressed = new MemoryStream(capacity: info.Buffer.Length / 2 + 64);
            using (var z = new ZLibStream(compressed, new ZLibCompressionOptions { CompressionLevel = Math.Clamp(level, 0, 9) }, leaveOpen: true))
            {
                z.Write(info.Buffer.Span);
            }

            return compressed.GetBuffer().AsMemory(0, (int)compressed.Length);
        }

        public uint[] GetParameters(uint[] chunkDimensions, uint typeSize, Dictionary<string, object>? options)
        {
            var level = options is not null && options.TryGetValue(DeflateFilter.COMPRESSION_LEVEL, out var v) && v is int i ? i : 6;
            ArgumentOutOfRangeException.ThrowIfLessThan(level, 0);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(level, 9);
            return [(uint)level];
        }
    }

    private sealed class ReadOnlyMemoryStream(Memory<byte> memory) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => memory.Length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(buffer.Length, memory.Length - _position);
            memory.Span.Slice(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
