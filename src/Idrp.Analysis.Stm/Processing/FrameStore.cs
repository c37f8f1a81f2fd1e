using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Idrp.Analysis.Stm.Processing;

/// <summary>
/// Corrected frames kept in a temporary file between the two passes of a drift-corrected <see cref="FastPipeline"/>,
/// so the second pass reads them back instead of repeating read, phase, FFT filter, creep and interpolation. The file
/// is read and written with positioned system calls (no memory mapping): it lives in the file system's cache, not in
/// the process, whose memory stays one batch whatever the movie length. The file is unlinked as soon as it is open
/// (Unix; deleted on close elsewhere). Reads are thread safe; writes go frame range by frame range, in any order.
/// </summary>
internal sealed class FrameStore : IDisposable
{
    private readonly SafeFileHandle _file;
    private readonly int _frameSize;

    private FrameStore(SafeFileHandle file, int frameSize, int frameCount)
    {
        _file = file;
        _frameSize = frameSize;
        FrameCount = frameCount;
    }

    /// <summary>Frames the store holds room for.</summary>
    public int FrameCount { get; }

    /// <summary>Bytes of the whole store.</summary>
    public long Bytes => (long)FrameCount * _frameSize * sizeof(float);

    /// <summary>
    /// A store for <paramref name="frameCount"/> frames of <paramref name="frameSize"/> values in
    /// <paramref name="directory"/> (default: the temp folder), or null when it would take more than half the free
    /// space there or the file cannot be created: the caller then recomputes the frames.
    /// </summary>
    public static FrameStore? TryCreate(int frameSize, int frameCount, string? directory = null)
    {
        directory ??= Path.GetTempPath();
        var bytes = (long)frameSize * frameCount * sizeof(float);
        try
        {
            if (bytes > new DriveInfo(Path.GetFullPath(directory)).AvailableFreeSpace / 2)
            {
                return null;
            }

            var path = Path.Combine(directory, $"idrp-stm-frames-{Guid.NewGuid():N}.tmp");
            var windows = OperatingSystem.IsWindows();
            var file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, windows ? FileOptions.DeleteOnClose : FileOptions.None);
            if (!windows)
            {
                File.Delete(path);
            }

            return new FrameStore(file, frameSize, frameCount);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Writes frames <paramref name="firstFrame"/> onwards (whole frames).</summary>
    public void Write(int firstFrame, ReadOnlySpan<float> frames)
    {
        Check(firstFrame, frames.Length);
        RandomAccess.Write(_file, MemoryMarshal.AsBytes(frames), Offset(firstFrame));
    }

    /// <summary>Reads frames <paramref name="firstFrame"/> onwards into <paramref name="frames"/> (whole frames).</summary>
    public void Read(int firstFrame, Span<float> frames)
    {
        Check(firstFrame, frames.Length);
        var bytes = MemoryMarshal.AsBytes(frames);
        var offset = Offset(firstFrame);
        while (!bytes.IsEmpty)
        {
            var read = RandomAccess.Read(_file, bytes, offset);
            if (read == 0)
            {
                throw new IOException($"The frame store ended before frame {firstFrame + (frames.Length / _frameSize)} (frames not written).");
            }

            bytes = bytes[read..];
            offset += read;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();

    private long Offset(int frame) => (long)frame * _frameSize * sizeof(float);

    private void Check(int firstFrame, int values)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstFrame);
        if (values % _frameSize != 0 || firstFrame + (values / _frameSize) > FrameCount)
        {
            throw new ArgumentOutOfRangeException(nameof(values), $"Frames {firstFrame} + {values / (double)_frameSize} do not fit the store of {FrameCount} frames.");
        }
    }
}
