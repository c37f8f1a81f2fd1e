using System.Buffers;
using Idrp.Analysis.Stm.Fast;

namespace Idrp.Analysis.Stm.Processing;

/// <summary>
/// Which periodic noise the FFT filter removes, as pyfastspm 1.0.4's <c>filter_movie</c> (fft.py) and the
/// settings of its converter notebook: Gaussian notches (<c>1 - exp(-(f - f0)^2 / 2 sigma^2)</c>) at the fast-scan
/// frequency, its overtones and pump lines with their overtones; error-function high passes at twice the slow-scan
/// frequency (width = slow-scan frequency) and at <see cref="HighPassHz"/>. Frequencies in Hz.
/// </summary>
/// <param name="FilterX">Notch at <c>Scanner.X_Frequency</c>.</param>
/// <param name="FilterY">High pass at <c>2 * Scanner.Y_Frequency</c>, width <c>Y_Frequency</c>.</param>
/// <param name="FilterXOvertones">Notches at <c>k * X_Frequency</c>, k = 2 .. <see cref="XOvertones"/> + 1.</param>
/// <param name="XOvertones">Number of x overtones (pyfastspm's notebook: 10).</param>
/// <param name="FilterHighPass">Extra high pass at <see cref="HighPassHz"/>, width <see cref="HighPassWidthHz"/>.</param>
/// <param name="HighPassHz">Extra high-pass edge (notebook: 1000 Hz).</param>
/// <param name="HighPassWidthHz">Extra high-pass width (notebook: 600 Hz).</param>
/// <param name="PumpHz">Pump (or other line) frequencies to remove, with <see cref="PumpOvertones"/> overtones each.</param>
/// <param name="PumpOvertones">Overtones per pump line (notebook: 3).</param>
/// <param name="BroadnessHz">Notch sigma; null = <c>Y_Frequency</c> (pyfastspm's default).</param>
public sealed record FftFilterOptions(
    bool FilterX = true,
    bool FilterY = true,
    bool FilterXOvertones = true,
    int XOvertones = 10,
    bool FilterHighPass = true,
    double HighPassHz = 1000,
    double HighPassWidthHz = 600,
    IReadOnlyList<double>? PumpHz = null,
    int PumpOvertones = 3,
    double? BroadnessHz = null)
{
    /// <summary>pyfastspm's converter notebook with pump lines at 1500 and 1000 Hz.</summary>
    public static FftFilterOptions Notebook { get; } = new(PumpHz: [1500.0, 1000.0]);

    /// <summary>
    /// Parses a comma list: <c>x</c>, <c>y</c>, <c>xo[=N]</c>, <c>hp[=HZ[:WIDTH]]</c>, <c>pump=HZ[:HZ...]</c>,
    /// <c>pumpo=N</c>, <c>width=HZ</c>; <c>default</c> = the notebook set (x, y, xo=10, hp=1000:600, pump=1500:1000).
    /// </summary>
    /// <exception cref="FormatException">An unknown item or a malformed number.</exception>
    public static FftFilterOptions Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Trim() is "default" or "notebook")
        {
            return Notebook;
        }

        var options = new FftFilterOptions(false, false, false, 10, false);
        foreach (var raw in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = raw.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? raw : raw[..eq];
            var value = eq < 0 ? null : raw[(eq + 1)..];
            options = name switch
            {
                "x" => options with { FilterX = true },
                "y" => options with { FilterY = true },
                "xo" => options with { FilterXOvertones = true, XOvertones = value is null ? 10 : (int)Number(value, raw) },
                "hp" => value is null
                    ? options with { FilterHighPass = true }
                    : options with
                    {
                        FilterHighPass = true,
                        HighPassHz = Number(value.Split(':')[0], raw),
                        HighPassWidthHz = value.Contains(':', StringComparison.Ordinal) ? Number(value.Split(':')[1], raw) : options.HighPassWidthHz,
                    },
                "pump" => options with { PumpHz = (value ?? throw new FormatException($"'{raw}': pump needs frequencies, e.g. pump=1500:1000")).Split(':').Select(v => Number(v, raw)).ToArray() },
                "pumpo" => options with { PumpOvertones = (int)Number(value ?? string.Empty, raw) },
                "width" => options with { BroadnessHz = Number(value ?? string.Empty, raw) },
                _ => throw new FormatException($"unknown FFT filter item '{raw}' (known: x, y, xo[=N], hp[=HZ[:WIDTH]], pump=HZ[:HZ..], pumpo=N, width=HZ, default)"),
            };
        }

        return options;
    }

    private static double Number(string s, string item) =>
        double.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v
            : throw new FormatException($"'{item}': '{s}' is not a number");
}

/// <summary>
/// pyfastspm's FFT filter of the 1-D stream, streamed. pyfastspm multiplies the <c>rfft</c> of the whole (phase-rolled)
/// stream by a real response H(f) and transforms back: a circular, zero-phase convolution. Here H is turned into its
/// impulse response once, cut at <see cref="Context"/> samples either side (where the narrowest Gaussian's
/// envelope has fallen below 1e-10), and applied block by block (overlap-save, two real blocks per complex FFT, blocks
/// in parallel). Reading <see cref="Context"/> samples of context around each range, wrapping around the stream's
/// ends, reproduces the circular convolution; the remaining difference is the cut impulse tail.
/// </summary>
/// <remarks>
/// pyfastspm builds its frequency axis as <c>rfftfreq(2 * len(rfft) - 1, 1 / rate)</c>, i.e. with spacing
/// <c>rate / (L + 1)</c> for a stream of L samples; so the response it applies at true frequency f is H(f L / (L + 1)).
/// That is reproduced. Thread safe after construction.
/// </remarks>
public sealed class FftFilter
{
    private readonly double[] _response; // real, length _blockSize
    private readonly int _blockSize;

    private FftFilter(double[] response, int blockSize, int context)
    {
        _response = response;
        _blockSize = blockSize;
        Context = context;
    }

    /// <summary>Samples of context needed on each side of a filtered range.</summary>
    public int Context { get; }

    /// <summary>Samples of output one block gives (the block minus the context on both sides); a range is filtered in blocks, two per FFT, the pairs in parallel.</summary>
    public int SamplesPerBlock => _blockSize - 2 * Context;

    /// <summary>Designs the filter for a stream of <paramref name="streamLength"/> samples with the file's frequencies.</summary>
    public static FftFilter Create(FftFilterOptions options, FastMetadata metadata, long streamLength)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(metadata);
        var rate = metadata.SamplingRateHz;
        var fx = metadata.XFrequencyHz;
        var fy = metadata.YFrequencyHz;
        var broadness = options.BroadnessHz ?? fy;
        var filters = new List<(double F, double Sigma, char Type)>();
        if (options.FilterY)
        {
            filters.Add((2 * fy, fy, 'h'));
        }

        if (options.FilterX)
        {
            filters.Add((fx, broadness, 'g'));
        }

        if (options.PumpHz is { Count: > 0 } pumps)
        {
            for (var ot = 0; ot <= options.PumpOvertones; ot++)
            {
                foreach (var pump in pumps)
                {
                    filters.Add(((ot + 1) * pump, broadness, 'g'));
                }
            }
        }

        if (options.FilterXOvertones)
        {
            for (var ot = 0; ot < options.XOvertones; ot++)
            {
                filters.Add((fx * (ot + 2), broadness, 'g'));
            }
        }

        if (options.FilterHighPass)
        {
            filters.Add((options.HighPassHz, options.HighPassWidthHz, 'h'));
        }

        var minSigma = filters.Count == 0 ? rate : filters.Min(f => f.Sigma);
        if (!(minSigma > 0))
        {
            throw new ArgumentException("FFT filter widths must be positive.", nameof(options));
        }

        // Gaussian envelope of the impulse response: exp(-(2 pi sigma t)^2 / 2); 8 time-sigmas -> below 1e-13; the erf high pass has a 1/t^2 tail, which leaves ~0.1 count
        var context = (int)Math.Min(Math.Ceiling(8 * rate / (2 * Math.PI * minSigma)), streamLength / 2);
        var blockSize = Math.Max(4096, Fft.NextPowerOfTwo(4L * (2L * context + 1)));
        var scale = streamLength / (double)(streamLength + 1); // pyfastspm's frequency axis (see remarks)

        var re = new double[blockSize];
        var im = new double[blockSize];
        Parallel.For(0, (blockSize / 2 / 8192) + 1, chunk =>
        {
            var end = Math.Min(blockSize / 2, (chunk * 8192) + 8191);
            for (var k = chunk * 8192; k <= end; k++)
            {
                var f = k * rate / blockSize * scale;
                var h = 1.0;
                foreach (var (f0, sigma, type) in filters)
                {
                    h *= Response(f, f0, sigma, type);
                }

                re[k] = h;
                if (k > 0 && k < blockSize / 2)
                {
                    re[blockSize - k] = h;
                }
            }
        });

        // impulse response, cut to |n| <= context, back to a (real, symmetric) response
        Fft.Inverse(re, im);
        for (var n = context + 1; n < blockSize - context; n++)
        {
            re[n] = 0;
        }

        Array.Clear(im);
        Fft.Forward(re, im);
        return new FftFilter(re, blockSize, context);
    }

    // one filter's factor at f: a Gaussian notch ('g') or an erf high pass ('h'). Far from the edge the factor is
    // exactly 1.0 in double arithmetic (1 - exp(-37.8), 1 - erfc(6): both below half an ulp of 1), so it is not computed
    private static double Response(double f, double f0, double sigma, char type)
    {
        var z = (f - f0) / sigma;
        if (type == 'g')
        {
            return Math.Abs(z) > 8.7 ? 1.0 : 1.0 - Math.Exp(-0.5 * z * z);
        }

        var x = (f - f0) / Math.Sqrt(2 * sigma * sigma);
        return x > 6 ? 1.0 : 0.5 + 0.5 * SpecialFunctions.Erf(x);
    }

    /// <summary>
    /// Filters a range of the stream. <paramref name="input"/> holds the range plus <see cref="Context"/> samples
    /// before and after it (wrapped around the stream's ends, as the circular FFT does); <paramref name="output"/>
    /// receives <c>input.Length - 2 * Context</c> values.
    /// </summary>
    public void Apply(ReadOnlySpan<float> input, Span<float> output)
    {
        var n = input.Length - 2 * Context;
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 0, nameof(input));
        ArgumentOutOfRangeException.ThrowIfLessThan(output.Length, n, nameof(output));
        var inputArray = ArrayPool<float>.Shared.Rent(input.Length);
        var outputArray = ArrayPool<float>.Shared.Rent(Math.Max(n, 1));
        try
        {
            input.CopyTo(inputArray);
            Apply(inputArray, input.Length, outputArray);
            outputArray.AsSpan(0, n).CopyTo(output);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(inputArray);
            ArrayPool<float>.Shared.Return(outputArray);
        }
    }

    /// <summary>As <see cref="Apply(ReadOnlySpan{float}, Span{float})"/> on the first <paramref name="inputLength"/> values of <paramref name="input"/>, without copies.</summary>
    internal void Apply(float[] input, int inputLength, float[] output)
    {
        var n = inputLength - 2 * Context;
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 0, nameof(inputLength));
        ArgumentOutOfRangeException.ThrowIfLessThan(output.Length, n, nameof(output));
        var valid = SamplesPerBlock;
        var blocks = (n + valid - 1) / valid;
        var pairs = (blocks + 1) / 2;
        Parallel.For(0, pairs, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, pair =>
            FilterPair(input, inputLength, output, n, 2 * pair, blocks, valid));
    }

    // Two real blocks in one complex FFT: z = a + i b; since the response is real, Re/Im of the result are a's and b's outputs.
    private void FilterPair(float[] input, int inputLength, float[] output, int n, int firstBlock, int blocks, int valid)
    {
        var re = ArrayPool<double>.Shared.Rent(_blockSize);
        var im = ArrayPool<double>.Shared.Rent(_blockSize);
        try
        {
            var reSpan = re.AsSpan(0, _blockSize);
            var imSpan = im.AsSpan(0, _blockSize);
            Load(input, inputLength, firstBlock * valid, reSpan);
            if (firstBlock + 1 < blocks)
            {
                Load(input, inputLength, (firstBlock + 1) * valid, imSpan);
            }
            else
            {
                imSpan.Clear();
            }

            Fft.Forward(reSpan, imSpan);
            for (var k = 0; k < _blockSize; k++)
            {
                reSpan[k] *= _response[k];
                imSpan[k] *= _response[k];
            }

            Fft.Inverse(reSpan, imSpan);
            Store(reSpan, firstBlock * valid, valid, output, n);
            if (firstBlock + 1 < blocks)
            {
                Store(imSpan, (firstBlock + 1) * valid, valid, output, n);
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(re);
            ArrayPool<double>.Shared.Return(im);
        }
    }

    // block b covers input[start .. start + blockSize); its outputs are input positions start + Context .. + valid
    private static void Load(float[] input, int inputLength, int start, Span<double> target)
    {
        var count = Math.Min(target.Length, inputLength - start);
        for (var i = 0; i < count; i++)
        {
            target[i] = input[start + i];
        }

        target[count..].Clear();
    }

    private void Store(Span<double> block, int outputStart, int valid, float[] output, int n)
    {
        var count = Math.Min(valid, n - outputStart);
        for (var i = 0; i < count; i++)
        {
            output[outputStart + i] = (float)block[Context + i];
        }
    }
}
