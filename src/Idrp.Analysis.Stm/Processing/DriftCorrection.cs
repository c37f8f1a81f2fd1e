namespace Idrp.Analysis.Stm.Processing;

/// <summary>
/// Drift correction as pyfastspm 1.0.4's <c>Drift</c> (drift.py), mode "full", in two streamed passes. Pass 1
/// (<see cref="Add"/>): every frame is scaled to unit std, mean-subtracted, windowed by <c>sqrt(hamming x hamming)</c>,
/// enlarged (nearest neighbour) to <c>S x S</c> with S the next power of two above its larger side, and
/// cross-correlated (FFT) with the frame <c>stepSize</c> later; the peak divided by stepSize is the drift per frame.
/// <see cref="Finish"/> median-filters it (3), integrates, replaces the last stepSize values by a linear fit of the
/// others and smooths with a 50-frame boxcar (reflecting ends). Pass 2 (<see cref="DriftPath.Apply"/>): each frame,
/// enlarged to <c>S x S</c> (<c>S x S/2</c> interlaced) with cubic splines, is placed in a larger zero canvas at its
/// rounded shift, so the surface stands still.
/// </summary>
/// <remarks>
/// <para>
/// Native resolution: when S is a multiple of both frame sides (power-of-two frames, e.g. 256 x 128 in S = 512),
/// the nearest-neighbour enlargement repeats every pixel f_y x f_x times, and the correlation of two such images is
/// the native correlation C interpolated bilinearly (a triangle of half-width f per axis):
/// <c>corr_E[f m + r] = sum C[m'] tri(f m + r - f m')</c>. A bilinear surface takes its maximum at a grid point, so
/// the enlarged peak is <c>f x</c> the native peak (the first in row-major order, as numpy's argmax, since the map
/// keeps the order). The frames are therefore correlated at their own size, padded to twice each side (a 512 x 256
/// transform for 256 x 128 frames, an eighth of the points of the enlarged 1024 x 1024 one), and the lag is scaled:
/// the same drift as pyfastspm's, at a fraction of the cost. Other sizes (e.g. 200 x 100 in S = 256) take the
/// enlarged path.
/// </para>
/// <para>
/// Memory: the half spectra of the last <c>stepSize</c> frames plus one group of about two frames per core
/// (<c>2Q_y x (Q_x + 1)</c> complex values each, Q the correlated image's sides), whatever the movie length
/// (<see cref="SpectraAllocated"/> counts them). Not thread safe; <see cref="AddBatch"/> works in parallel over frames.
/// </para>
/// </remarks>
public sealed class DriftEstimator
{
    private readonly int _rows;
    private readonly int _columns;
    private readonly int _size;
    private readonly double[] _window;
    private readonly Queue<(double[] Re, double[] Im)> _recent = new();
    private readonly Stack<(double[] Re, double[] Im)> _free = new();
    private readonly System.Collections.Concurrent.ConcurrentBag<RealFft2D> _transforms = [];
    private readonly List<(double Y, double X)> _perFrame = [];
    private readonly bool _interlaced;
    private readonly bool _native;
    private readonly int _sideY; // sides of the correlated images: the frame's own (native) or S x S
    private readonly int _sideX;
    private readonly int _spectrumLength;
    private readonly int _factorY;
    private readonly int _factorX;

    /// <param name="rows">Frame rows.</param>
    /// <param name="columns">Frame columns.</param>
    /// <param name="interlaced">Interlaced frames (2:1 aspect): the output is S x S/2 and x shifts are halved, as pyfastspm.</param>
    /// <param name="stepSize">Frames between correlated pairs (pyfastspm's notebook: 10).</param>
    public DriftEstimator(int rows, int columns, bool interlaced, int stepSize = 10)
        : this(rows, columns, interlaced, stepSize, nativeResolution: true)
    {
    }

    /// <param name="rows">Frame rows.</param>
    /// <param name="columns">Frame columns.</param>
    /// <param name="interlaced">Interlaced frames.</param>
    /// <param name="stepSize">Frames between correlated pairs.</param>
    /// <param name="nativeResolution">Correlate at the frames' own size when that gives the same peak (see remarks); false = always enlarge, as pyfastspm.</param>
    internal DriftEstimator(int rows, int columns, bool interlaced, int stepSize, bool nativeResolution)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(stepSize, 1);
        _rows = rows;
        _columns = columns;
        _interlaced = interlaced;
        StepSize = stepSize;
        _size = 1 << ((int)Math.Log2(Math.Max(rows, columns)) + 1);
        _native = nativeResolution && _size % rows == 0 && _size % columns == 0;
        (_sideY, _sideX) = _native ? (rows, columns) : (_size, _size);
        _spectrumLength = 2 * _sideY * (_sideX + 1);
        _factorY = _native ? _size / rows : 1;
        _factorX = _native ? _size / columns : 1;
        _window = new double[rows * columns];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                _window[r * columns + c] = Math.Sqrt(Hamming(r, rows) * Hamming(c, columns));
            }
        }
    }

    /// <summary>Frames between correlated pairs.</summary>
    public int StepSize { get; }

    /// <summary>Side of the square the frames are enlarged to (pyfastspm's correlation and the placement's enlargement).</summary>
    public int Size => _size;

    /// <summary>Whether the frames are correlated at their own size (see remarks).</summary>
    public bool NativeResolution => _native;

    /// <summary>Half spectra allocated so far: bounded by stepSize plus one group, whatever the number of frames added.</summary>
    public int SpectraAllocated { get; private set; }

    /// <summary>Adds the next frame (rows x columns, row-major).</summary>
    public void Add(ReadOnlySpan<float> frame)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(frame.Length, _rows * _columns, nameof(frame));
        AddBatch(frame[..(_rows * _columns)].ToArray(), 1);
    }

    /// <summary>
    /// Adds the next <paramref name="count"/> frames (rows x columns each, row-major, one after the other): their
    /// spectra and then the correlations they complete are computed in parallel over frames.
    /// </summary>
    public void AddBatch(float[] frames, int count)
    {
        ArgumentNullException.ThrowIfNull(frames);
        var frameSize = _rows * _columns;
        ArgumentOutOfRangeException.ThrowIfLessThan(frames.Length, count * frameSize, nameof(frames));

        // groups of about two frames per core: enough to keep every core busy, and the spectra held stay
        // stepSize + group (a 1024 x 513 half spectrum is 8 MiB)
        var group = Math.Max(2, 2 * Environment.ProcessorCount);
        for (var start = 0; start < count; start += group)
        {
            var n = Math.Min(group, count - start);
            AddGroup(start == 0 && n == count ? frames : frames[(start * frameSize)..((start + n) * frameSize)], n);
        }
    }

    private void AddGroup(float[] frames, int count)
    {
        var frameSize = _rows * _columns;
        var spectra = new (double[] Re, double[] Im)[count];
        for (var f = 0; f < count; f++)
        {
            if (!_free.TryPop(out spectra[f]))
            {
                spectra[f] = (new double[_spectrumLength], new double[_spectrumLength]);
                SpectraAllocated++;
            }
        }

        Parallel.For(0, count, f => WithTransform(t => Spectrum(frames.AsSpan(f * frameSize, frameSize), t, spectra[f])));

        // pairs (earlier, later) completed by this batch: earlier from the queue or from this batch
        var window = _recent.ToArray();
        var first = _perFrame.Count;
        for (var f = 0; f < count; f++)
        {
            _perFrame.Add((0, 0));
        }

        var pairs = Enumerable.Range(first, count).Where(i => i - StepSize >= 0).ToArray();
        Parallel.ForEach(pairs, later =>
        {
            var earlierIndex = later - StepSize;
            var earlier = earlierIndex >= first ? spectra[earlierIndex - first] : window[earlierIndex - (first - window.Length)];
            var current = spectra[later - first];
            var (dy, dx) = WithTransform(t => t.CorrelationPeak(earlier.Re, earlier.Im, current.Re, current.Im));
            _perFrame[earlierIndex] = (_factorY * (dy - (_sideY - 1)) / (double)StepSize, _factorX * (dx - (_sideX - 1)) / (double)StepSize);
        });

        foreach (var spectrum in spectra)
        {
            _recent.Enqueue(spectrum);
        }

        while (_recent.Count > StepSize)
        {
            _free.Push(_recent.Dequeue());
        }
    }

    private T WithTransform<T>(Func<RealFft2D, T> action)
    {
        var transform = _transforms.TryTake(out var t) ? t : new RealFft2D(_sideY, _sideX);
        try
        {
            return action(transform);
        }
        finally
        {
            _transforms.Add(transform);
        }
    }

    /// <summary>Filters and integrates the per-frame drift into the path (pyfastspm's <c>_filter_drift</c>).</summary>
    /// <exception cref="InvalidOperationException">Fewer than stepSize + 2 frames.</exception>
    public DriftPath Finish(bool boxcar = true)
    {
        var n = _perFrame.Count;
        if (n < StepSize + 2)
        {
            throw new InvalidOperationException($"Drift correction with step {StepSize} needs at least {StepSize + 2} frames; the movie has {n}.");
        }

        var y = new double[n];
        var x = new double[n];
        for (var i = 0; i < n; i++)
        {
            (y[i], x[i]) = _perFrame[i];
        }

        return new DriftPath(Filter(y, n, StepSize, boxcar), Filter(x, n, StepSize, boxcar), _rows, _columns, _size, _interlaced);
    }

    private static double[] Filter(double[] values, int n, int step, bool boxcar)
    {
        // scipy.signal.medfilt(v, 3): zero padded
        var median = new double[n];
        for (var i = 0; i < n; i++)
        {
            var a = i > 0 ? values[i - 1] : 0;
            var b = values[i];
            var c = i < n - 1 ? values[i + 1] : 0;
            median[i] = Math.Max(Math.Min(a, b), Math.Min(Math.Max(a, b), c));
        }

        var integrated = new double[n];
        double sum = 0;
        for (var i = 0; i < n; i++)
        {
            sum += median[i];
            integrated[i] = sum;
        }

        // linear fit over the first n - step points, extrapolated over the last step points (numpy.polyfit, degree 1)
        var m = n - step;
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (var i = 0; i < m; i++)
        {
            sx += i;
            sy += integrated[i];
            sxx += (double)i * i;
            sxy += i * integrated[i];
        }

        var slope = (m * sxy - sx * sy) / (m * sxx - sx * sx);
        var intercept = (sy - slope * sx) / m;
        for (var i = m; i < n; i++)
        {
            integrated[i] = intercept + slope * i;
        }

        if (!boxcar)
        {
            return integrated;
        }

        // scipy.ndimage.convolve(v, ones(50)/50), mode 'reflect' (d c b a | a b c d): window i - 24 .. i + 25
        const int width = 50;
        var smoothed = new double[n];
        for (var i = 0; i < n; i++)
        {
            double s = 0;
            for (var k = i - 24; k <= i + 25; k++)
            {
                s += integrated[Reflect(k, n)];
            }

            smoothed[i] = s / width;
        }

        return smoothed;
    }

    private static int Reflect(int i, int n)
    {
        var period = 2 * n;
        i = ((i % period) + period) % period;
        return i < n ? i : period - 1 - i;
    }

    private static double Hamming(int i, int n) => n == 1 ? 1 : 0.54 - 0.46 * Math.Cos(2 * Math.PI * i / (n - 1));

    private bool Spectrum(ReadOnlySpan<float> frame, RealFft2D transform, (double[] Re, double[] Im) spectrum)
    {
        var count = _rows * _columns;
        double mean = 0;
        for (var i = 0; i < count; i++)
        {
            mean += frame[i];
        }

        mean /= count;
        double variance = 0;
        for (var i = 0; i < count; i++)
        {
            variance += (frame[i] - mean) * (frame[i] - mean);
        }

        var std = Math.Sqrt(variance / count);
        // pyfastspm: imag /= std; imag -= mean(imag); imag *= window (in float32, as its movie)
        var prepared = System.Buffers.ArrayPool<float>.Shared.Rent(count);
        var image = System.Buffers.ArrayPool<double>.Shared.Rent(_sideY * _sideX);
        try
        {
            for (var i = 0; i < count; i++)
            {
                prepared[i] = (float)((frame[i] / std - mean / std) * _window[i]);
            }

            var square = image.AsSpan(0, _sideY * _sideX);
            if (_native)
            {
                // the frame itself: the transform pads it to twice its sides, so every lag is a full linear one
                for (var i = 0; i < count; i++)
                {
                    square[i] = prepared[i];
                }
            }
            else
            {
                SplineZoom.Nearest(prepared.AsSpan(0, count), _rows, _columns, square, _size, _size);
            }

            transform.Forward(square, spectrum.Re, spectrum.Im);
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(prepared);
            System.Buffers.ArrayPool<double>.Shared.Return(image);
        }

        return true;
    }
}

/// <summary>
/// The filtered drift path (pixels of the enlarged S x S frames, per frame) and the placement of each frame in the
/// drift-corrected canvas (pyfastspm's <c>_adjust_movie_buffered</c>). Immutable; <see cref="Apply"/> is thread safe.
/// </summary>
public sealed class DriftPath
{
    private readonly int _rows;
    private readonly int _columns;
    private readonly int _offsetY;
    private readonly int _offsetX;

    internal DriftPath(double[] y, double[] x, int rows, int columns, int size, bool interlaced)
    {
        Y = y;
        X = x;
        _rows = rows;
        _columns = columns;
        Interlaced = interlaced;
        FrameRows = size;
        FrameColumns = interlaced ? size / 2 : size;
        double maxY = y.Max(), minY = y.Min(), maxX = x.Max(), minX = x.Min();
        var bufferY = (int)Math.Round(Math.Abs(maxY) + Math.Abs(minY), MidpointRounding.ToEven) + 1;
        if (interlaced)
        {
            maxX /= 2;
            minX /= 2;
        }

        var bufferX = (int)Math.Round(Math.Abs(maxX) + Math.Abs(minX), MidpointRounding.ToEven) + 1;
        OutputRows = FrameRows + bufferY;
        OutputColumns = FrameColumns + bufferX;
        _offsetY = (int)Math.Abs(minY) + 1;
        _offsetX = (int)Math.Abs(minX) + 1;
    }

    /// <summary>Integrated, filtered drift in y per frame (pixels of the enlarged frame).</summary>
    public IReadOnlyList<double> Y { get; }

    /// <summary>Integrated, filtered drift in x per frame (pixels of the enlarged frame).</summary>
    public IReadOnlyList<double> X { get; }

    /// <summary>Whether frames are interlaced (x shifts halved).</summary>
    public bool Interlaced { get; }

    /// <summary>Rows of an enlarged frame.</summary>
    public int FrameRows { get; }

    /// <summary>Columns of an enlarged frame.</summary>
    public int FrameColumns { get; }

    /// <summary>Rows of a corrected output frame.</summary>
    public int OutputRows { get; }

    /// <summary>Columns of a corrected output frame.</summary>
    public int OutputColumns { get; }

    /// <summary>
    /// Top left corner, in the output canvas, of frame <paramref name="index"/>'s enlarged image (FrameRows x
    /// FrameColumns): its rounded drift shift. The image may reach past the canvas; what lies outside is dropped.
    /// </summary>
    public (int Top, int Left) Position(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Y.Count);
        var shiftY = (int)Math.Round(Y[index], MidpointRounding.ToEven);
        var shiftX = Interlaced ? (int)(Math.Round(X[index], MidpointRounding.ToEven) / 2) : (int)Math.Round(X[index], MidpointRounding.ToEven);
        return (_offsetY + shiftY, _offsetX + shiftX);
    }

    /// <summary>Enlarges a frame (rows x columns) to FrameRows x FrameColumns with cubic splines (scikit-image's resize, as pyfastspm).</summary>
    public void Enlarge(ReadOnlySpan<float> frame, Span<float> enlarged) =>
        SplineZoom.Cubic(frame, _rows, _columns, enlarged, FrameRows, FrameColumns);

    /// <summary>
    /// Writes frame <paramref name="index"/>, enlarged and shifted, into <paramref name="output"/> (OutputRows x
    /// OutputColumns; zero outside): <see cref="Enlarge"/> placed at <see cref="Position"/>. The MP4 export renders
    /// the enlarged image at its position instead, without the canvas (<c>FrameRenderer.RenderYuv420</c>).
    /// </summary>
    public void Apply(ReadOnlySpan<float> frame, int index, Span<float> output)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(output.Length, OutputRows * OutputColumns, nameof(output));
        var (top, left) = Position(index);
        var enlarged = System.Buffers.ArrayPool<float>.Shared.Rent(FrameRows * FrameColumns);
        try
        {
            Enlarge(frame, enlarged);
            output[..(OutputRows * OutputColumns)].Clear();
            var firstColumn = Math.Max(0, -left);
            var lastColumn = Math.Min(FrameColumns, OutputColumns - left);
            if (lastColumn <= firstColumn)
            {
                return;
            }

            for (var r = 0; r < FrameRows; r++)
            {
                var targetRow = top + r;
                if (targetRow >= 0 && targetRow < OutputRows)
                {
                    enlarged.AsSpan(r * FrameColumns + firstColumn, lastColumn - firstColumn)
                        .CopyTo(output.Slice(targetRow * OutputColumns + left + firstColumn));
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(enlarged);
        }
    }
}
