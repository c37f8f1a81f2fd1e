using PureHDF.VOL.Native;

namespace Idrp.Analysis.Kmap.Hdf5;

/// <summary>
/// A PureHDF writing chunk cache that holds one chunk: asking for another chunk writes the held one first (through
/// PureHDF, filters included). PureHDF's default cache keeps every chunk of a dataset until the writer is disposed,
/// which for Q-space cubes is the whole output in memory, then filtered and written on one thread at the end; a
/// writer that fills one whole chunk per call needs only this. Not thread-safe (PureHDF's writer is not either).
/// </summary>
internal sealed class OneChunkWritingCache : IWritingChunkCache
{
    private ulong _index;
    private Memory<byte> _chunk;
    private Action<ulong, Memory<byte>>? _writer;

    public Memory<byte> GetChunk(ulong chunkIndex, Func<Memory<byte>> chunkAllocator, Action<ulong, Memory<byte>> chunkWriter)
    {
        ArgumentNullException.ThrowIfNull(chunkAllocator);
        ArgumentNullException.ThrowIfNull(chunkWriter);
        if (_writer is not null && _index == chunkIndex)
        {
            return _chunk;
        }

        // PureHDF 2.2's writer given with a request writes to the requested chunk whatever index it is passed, so the
        // held chunk leaves through the writer that came with it.
        WriteHeld(_writer);
        _chunk = chunkAllocator();
        _index = chunkIndex;
        _writer = chunkWriter;
        return _chunk;
    }

    public void Flush(Action<ulong, Memory<byte>> chunkWriter) => WriteHeld(chunkWriter);

    private void WriteHeld(Action<ulong, Memory<byte>>? writer)
    {
        if (_writer is null)
        {
            return;
        }

        _writer = null;
        var chunk = _chunk;
        _chunk = default;
        writer?.Invoke(_index, chunk);
    }
}
