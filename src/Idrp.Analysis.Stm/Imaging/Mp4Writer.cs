using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace Idrp.Analysis.Stm.Imaging;

/// <summary>The pixel layout of the frames handed to <see cref="Mp4Writer"/>.</summary>
public enum Mp4Input
{
    /// <summary>RGB24, 3 bytes per pixel (ffmpeg converts to YUV 4:2:0).</summary>
    Rgb24,

    /// <summary>
    /// Planar YUV 4:2:0 (I420, BT.601 limited range, as <see cref="FrameRenderer.RenderYuv420"/> writes), 1.5 bytes per
    /// pixel, rows <see cref="Mp4Writer.PlaneWidth"/> wide (a multiple of 64; ffmpeg crops the rest), encoded as is.
    /// </summary>
    Yuv420,
}

/// <summary>
/// Encodes RGB24 or YUV 4:2:0 frames to H.264 MP4 with ffmpeg (Debian package <c>ffmpeg</c>), fed through its standard
/// input: frames are never stored. Not thread safe: write frames from one thread, in order.
/// </summary>
/// <remarks>
/// libx264 <c>ultrafast</c> at constant quality 23 (<see cref="Encoder"/>): on the drift-corrected 1070 x 2096
/// frames of a 128 x 128 FAST movie it costs a third of the CPU of <c>veryfast</c> at crf 18 for the same PSNR
/// against the RGB input (42.0 vs 41.8 dB), in files 1.7 times as large (docs/analysis/stm.md has the figures).
/// pyfastspm uses libx264 <c>medium</c> at 5000 kbit/s.
/// </remarks>
public sealed class Mp4Writer : IDisposable
{
    /// <summary>The encoder settings passed to ffmpeg.</summary>
    public static IReadOnlyList<string> Encoder { get; } = ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "23", "-pix_fmt", "yuv420p"];

    private readonly Process _ffmpeg;
    private readonly Stream _input;
    private readonly Task<string> _errors;
    private readonly int _frameBytes;
    private bool _completed;

    private Mp4Writer(Process ffmpeg, int width, int height, Mp4Input input)
    {
        _ffmpeg = ffmpeg;
        _input = ffmpeg.StandardInput.BaseStream;
        _errors = ffmpeg.StandardError.ReadToEndAsync();
        _frameBytes = FrameBytes(width, height, input);
        Width = width;
        Height = height;
    }

    /// <summary>Frame width in pixels (even).</summary>
    public int Width { get; }

    /// <summary>Frame height in pixels (even).</summary>
    public int Height { get; }

    /// <summary>Frames written so far.</summary>
    public int FramesWritten { get; private set; }

    /// <summary>Time spent blocked on writing to ffmpeg, i.e. waiting for its encoder.</summary>
    public TimeSpan WriteTime { get; private set; }

    /// <summary>Bytes of one frame of <paramref name="width"/> x <paramref name="height"/> (even) pixels in <paramref name="input"/>.</summary>
    public static int FrameBytes(int width, int height, Mp4Input input) =>
        input == Mp4Input.Yuv420 ? PlaneWidth(width, input) * height * 3 / 2 : width * height * 3;

    /// <summary>
    /// Row length of the Y plane of a frame <paramref name="width"/> wide: for YUV input the next multiple of 64, since
    /// ffmpeg copies every frame whose rows are not aligned (on 1070-pixel-wide frames that doubled the encoder's CPU).
    /// </summary>
    public static int PlaneWidth(int width, Mp4Input input) => input == Mp4Input.Yuv420 ? (width + 63) / 64 * 64 : width;

    /// <summary>Starts ffmpeg writing <paramref name="path"/>.</summary>
    /// <param name="width">Even width in pixels (H.264 with 4:2:0 chroma needs even sizes).</param>
    /// <param name="height">Even height in pixels.</param>
    /// <param name="framesPerSecond">Playback rate.</param>
    /// <param name="ffmpegPath">The ffmpeg executable; default <c>ffmpeg</c> on PATH.</param>
    /// <param name="input">The layout of the frames <see cref="WriteFrame"/> receives.</param>
    /// <exception cref="FileNotFoundException">ffmpeg is not installed (Debian: <c>apt-get install ffmpeg</c>).</exception>
    public static Mp4Writer Start(string path, int width, int height, double framesPerSecond, string ffmpegPath = "ffmpeg", Mp4Input input = Mp4Input.Rgb24)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (width % 2 != 0 || height % 2 != 0)
        {
            throw new ArgumentException($"H.264 needs even frame sizes, got {width} x {height}.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(framesPerSecond);
        var info = new ProcessStartInfo(ffmpegPath)
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = false,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])
        [
            "-hide_banner", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", input == Mp4Input.Yuv420 ? "yuv420p" : "rgb24",
            "-s", string.Create(CultureInfo.InvariantCulture, $"{PlaneWidth(width, input)}x{height}"),
            "-r", framesPerSecond.ToString("R", CultureInfo.InvariantCulture),
            "-i", "-",
            .. (PlaneWidth(width, input) == width ? (string[])[] : ["-vf", string.Create(CultureInfo.InvariantCulture, $"crop={width}:{height}:0:0")]),
            .. Encoder,
            "-movflags", "+faststart", path,
        ])
        {
            info.ArgumentList.Add(argument);
        }

        try
        {
            var process = Process.Start(info) ?? throw new InvalidOperationException("ffmpeg did not start.");
            return new Mp4Writer(process, width, height, input);
        }
        catch (Win32Exception e)
        {
            throw new FileNotFoundException($"ffmpeg was not found ({e.Message}); install it (Debian: apt-get install ffmpeg).", ffmpegPath, e);
        }
    }

    /// <summary>Writes one frame of <see cref="FrameBytes"/> bytes (RGB24 or I420, as started).</summary>
    public void WriteFrame(ReadOnlySpan<byte> frame)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        ArgumentOutOfRangeException.ThrowIfLessThan(frame.Length, _frameBytes, nameof(frame));
        var started = Stopwatch.GetTimestamp();
        try
        {
            _input.Write(frame[.._frameBytes]);
        }
        catch (IOException e)
        {
            throw new InvalidOperationException($"ffmpeg stopped accepting frames: {_errors.Result}", e);
        }

        WriteTime += Stopwatch.GetElapsedTime(started);
        FramesWritten++;
    }

    /// <summary>Closes the pipe and waits for ffmpeg to finish the file.</summary>
    /// <exception cref="InvalidOperationException">ffmpeg failed; the message carries its error output.</exception>
    public async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        if (_completed)
        {
            return;
        }

        _completed = true;
        await _input.DisposeAsync().ConfigureAwait(false);
        await _ffmpeg.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        var errors = await _errors.ConfigureAwait(false);
        if (_ffmpeg.ExitCode != 0)
        {
            throw new InvalidOperationException($"ffmpeg exited with code {_ffmpeg.ExitCode}: {errors}");
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_completed)
        {
            _completed = true;
            _input.Dispose();
            if (!_ffmpeg.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                _ffmpeg.Kill();
            }
        }

        _ffmpeg.Dispose();
    }
}
