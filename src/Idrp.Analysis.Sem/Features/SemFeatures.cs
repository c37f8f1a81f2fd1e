using Idrp.Imaging;

namespace Idrp.Analysis.Sem.Features;

/// <summary>
/// The built-in model's image description: about a hundred numbers of texture, orientation, frequency and
/// morphology, computed on a working copy 320 px wide (so that the same field of view gives the same numbers
/// whatever the file's resolution) and on its 1/2 and 1/4 reductions. Everything is invariant to brightness and
/// contrast except the first block of intensity statistics.
/// <list type="bullet">
/// <item>intensity: moments, percentiles and a contrast-stretched histogram;</item>
/// <item>texture: rotation-invariant uniform local binary patterns (LBP riu2, 8 neighbours, radius 1) at three scales;</item>
/// <item>orientation: Sobel gradient statistics, an 8-bin orientation histogram (bins centred on 0°, 22.5°, …), global and local structure-tensor coherence (lines, fibres, wires);</item>
/// <item>frequency: a Welch power spectrum (64 × 64 Hann tiles): energy in six octave bands at two scales, in six
/// orientations × two bands (the energies of a Gabor filter bank, by Parseval), the spectral slope and the strongest
/// peak (periodic patterns);</item>
/// <item>morphology: Otsu segmentation into bright and dark phases with their component counts, sizes and compactness;
/// difference-of-Gaussian blob counts at three scales.</item>
/// </list>
/// Thread-safe: each call allocates its own buffers; callers parallelise over images.
/// </summary>
public static class SemFeatures
{
    /// <summary>Changes whenever a feature changes meaning; a model trained on another version is refused.</summary>
    public const string Version = "sem-features/1";

    /// <summary>Width of the working copy in pixels.</summary>
    public const int WorkingWidth = 320;

    private static readonly byte[] s_riu2 = BuildRiu2();

    /// <summary>The feature names, in vector order.</summary>
    public static IReadOnlyList<string> Names { get; } = BuildNames();

    public static int Count => Names.Count;

    /// <summary>Decodes <paramref name="data"/> (at reduced size where the codec can), cuts the info bar and describes the rest.</summary>
    /// <exception cref="ImageDecodeException">The data is not a readable image; the message names <paramref name="source"/>.</exception>
    public static float[] Extract(byte[] data, string source, InfoBarCrop crop)
    {
        ArgumentNullException.ThrowIfNull(crop);
        var image = ImageDecoder.DecodeGray(data, source, WorkingWidth);
        return Extract(crop.Apply(image));
    }

    /// <summary>Describes an image whose info bar is already cut off.</summary>
    public static float[] Extract(GrayImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var output = new float[Count];
        var writer = new Writer(output, null);
        Compute(image, ref writer);
        return output;
    }

    private static IReadOnlyList<string> BuildNames()
    {
        var names = new List<string>();
        var writer = new Writer(new float[1024], names);
        var probe = new GrayImage(WorkingWidth, 240);
        for (var i = 0; i < probe.Pixels.Length; i++)
        {
            probe.Pixels[i] = (i * 7919 % 251) / 251f;
        }

        Compute(probe, ref writer);
        return names;
    }

    private static void Compute(GrayImage image, ref Writer w)
    {
        var height = Math.Clamp((int)Math.Round((double)image.Height * WorkingWidth / image.Width), 32, 2 * WorkingWidth);
        var l0 = ImageOps.Resize(image, WorkingWidth, height);
        var l1 = ImageOps.Resize(l0, WorkingWidth / 2, Math.Max(16, height / 2));
        var l2 = ImageOps.Resize(l1, WorkingWidth / 4, Math.Max(8, height / 4));

        Intensity(l0, ref w);
        var z0 = Standardise(l0);
        var z1 = Standardise(l1);
        var z2 = Standardise(l2);
        Lbp(z0, "lbp0", ref w);
        Lbp(z1, "lbp1", ref w);
        Lbp(z2, "lbp2", ref w);
        Gradients(z0, "grad0", withHistogram: true, ref w);
        Gradients(z1, "grad1", withHistogram: false, ref w);
        Spectrum(z0, "spec0", withOrientation: true, ref w);
        Spectrum(z1, "spec1", withOrientation: false, ref w);
        Morphology(l1, ref w);
        Blobs(z1, ref w);
    }

    private static void Intensity(GrayImage image, ref Writer w)
    {
        var p = image.Pixels.AsSpan(0, image.Width * image.Height);
        double sum = 0;
        foreach (var v in p)
        {
            sum += v;
        }

        var mean = sum / p.Length;
        double m2 = 0, m3 = 0, m4 = 0;
        Span<int> histogram = stackalloc int[256];
        histogram.Clear();
        foreach (var v in p)
        {
            var d = v - mean;
            var d2 = d * d;
            m2 += d2;
            m3 += d2 * d;
            m4 += d2 * d2;
            histogram[Math.Clamp((int)(v * 255.999f), 0, 255)]++;
        }

        m2 /= p.Length;
        m3 /= p.Length;
        m4 /= p.Length;
        var std = Math.Sqrt(m2);
        w.Add("int.mean", mean);
        w.Add("int.std", std);
        w.Add("int.skew", std > 1e-6 ? m3 / (m2 * std) : 0);
        w.Add("int.kurt", std > 1e-6 ? Math.Log(m4 / (m2 * m2)) : 0);
        var p01 = Percentile(histogram, p.Length, 0.01);
        var p05 = Percentile(histogram, p.Length, 0.05);
        var p50 = Percentile(histogram, p.Length, 0.50);
        var p95 = Percentile(histogram, p.Length, 0.95);
        var p99 = Percentile(histogram, p.Length, 0.99);
        w.Add("int.p05", p05);
        w.Add("int.p50", p50);
        w.Add("int.p95", p95);
        var range = Math.Max(p99 - p01, 1e-3);
        w.Add("int.medianPos", (p50 - p01) / range);

        // Histogram of the contrast-stretched image (1st to 99th percentile → 0..1).
        Span<double> bins = stackalloc double[8];
        bins.Clear();
        foreach (var v in p)
        {
            var t = (v - p01) / range;
            bins[Math.Clamp((int)(t * 8), 0, 7)]++;
        }

        for (var b = 0; b < 8; b++)
        {
            w.Add($"int.hist{b}", bins[b] / p.Length);
        }
    }

    private static double Percentile(ReadOnlySpan<int> histogram, int count, double q)
    {
        var target = q * count;
        long running = 0;
        for (var i = 0; i < histogram.Length; i++)
        {
            running += histogram[i];
            if (running >= target)
            {
                return (i + 0.5) / 256.0;
            }
        }

        return 1;
    }

    /// <summary>(x - mean) / std, so that thresholds below are in units of the image's own contrast.</summary>
    private static GrayImage Standardise(GrayImage image)
    {
        var n = image.Width * image.Height;
        var p = image.Pixels;
        double sum = 0, sq = 0;
        for (var i = 0; i < n; i++)
        {
            sum += p[i];
            sq += p[i] * (double)p[i];
        }

        var mean = sum / n;
        var std = Math.Sqrt(Math.Max(sq / n - (mean * mean), 0));
        var scale = (float)(1 / Math.Max(std, 1e-3));
        var output = new float[n];
        for (var i = 0; i < n; i++)
        {
            output[i] = (float)(p[i] - mean) * scale;
        }

        return new GrayImage(image.Width, image.Height, output);
    }

    private static void Lbp(GrayImage z, string name, ref Writer w)
    {
        const float Tolerance = 0.05f;
        Span<double> bins = stackalloc double[10];
        bins.Clear();
        var width = z.Width;
        var p = z.Pixels;
        var total = 0;
        for (var y = 1; y < z.Height - 1; y++)
        {
            for (var x = 1; x < width - 1; x++)
            {
                var i = (y * width) + x;
                var c = p[i] + Tolerance;
                var code = (p[i - width - 1] >= c ? 1 : 0)
                    | (p[i - width] >= c ? 2 : 0)
                    | (p[i - width + 1] >= c ? 4 : 0)
                    | (p[i + 1] >= c ? 8 : 0)
                    | (p[i + width + 1] >= c ? 16 : 0)
                    | (p[i + width] >= c ? 32 : 0)
                    | (p[i + width - 1] >= c ? 64 : 0)
                    | (p[i - 1] >= c ? 128 : 0);
                bins[s_riu2[code]]++;
                total++;
            }
        }

        for (var b = 0; b < 10; b++)
        {
            w.Add($"{name}.riu2_{b}", bins[b] / Math.Max(total, 1));
        }
    }

    /// <summary>Rotation-invariant uniform code: the number of set bits for patterns with at most two 0/1 transitions, else 9.</summary>
    private static byte[] BuildRiu2()
    {
        var table = new byte[256];
        for (var code = 0; code < 256; code++)
        {
            var transitions = 0;
            for (var bit = 0; bit < 8; bit++)
            {
                if (((code >> bit) & 1) != ((code >> ((bit + 1) & 7)) & 1))
                {
                    transitions++;
                }
            }

            table[code] = (byte)(transitions <= 2 ? System.Numerics.BitOperations.PopCount((uint)code) : 9);
        }

        return table;
    }

    private static void Gradients(GrayImage z, string name, bool withHistogram, ref Writer w)
    {
        var width = z.Width;
        var height = z.Height;
        var p = z.Pixels;
        const int Block = 16;
        var blocksX = Math.Max(1, (width - 2) / Block);
        var blocksY = Math.Max(1, (height - 2) / Block);
        var blockJ = new double[blocksX * blocksY * 3];
        Span<double> orientation = stackalloc double[8];
        orientation.Clear();
        double sum = 0, sq = 0, jxx = 0, jyy = 0, jxy = 0;
        var magnitudes = new float[(width - 2) * (height - 2)];
        var n = 0;
        for (var y = 1; y < height - 1; y++)
        {
            var by = Math.Min((y - 1) / Block, blocksY - 1);
            for (var x = 1; x < width - 1; x++)
            {
                var i = (y * width) + x;
                var gx = (p[i - width + 1] + (2 * p[i + 1]) + p[i + width + 1]) - (p[i - width - 1] + (2 * p[i - 1]) + p[i + width - 1]);
                var gy = (p[i + width - 1] + (2 * p[i + width]) + p[i + width + 1]) - (p[i - width - 1] + (2 * p[i - width]) + p[i - width + 1]);
                var m2 = (gx * gx) + (gy * gy);
                var m = MathF.Sqrt(m2);
                magnitudes[n++] = m;
                sum += m;
                sq += m2;
                jxx += gx * gx;
                jyy += gy * gy;
                jxy += gx * gy;
                var b = (Math.Min((x - 1) / Block, blocksX - 1) + (by * blocksX)) * 3;
                blockJ[b] += gx * gx;
                blockJ[b + 1] += gy * gy;
                blockJ[b + 2] += gx * gy;
                if (withHistogram && m > 1e-6f)
                {
                    // Orientation of the edge modulo 180°, weighted by its strength.
                    var angle = MathF.Atan2(gy, gx);
                    if (angle < 0)
                    {
                        angle += MathF.PI;
                    }

                    if (angle >= MathF.PI)
                    {
                        angle -= MathF.PI;
                    }

                    // Bins centred on 0°, 22.5°, …: axis-aligned edges (common in SEM) sit mid-bin, not on a border
                    // where rounding noise would flip them between two bins.
                    orientation[(int)((angle / MathF.PI * 8) + 0.5f) & 7] += m;
                }
            }
        }

        var mean = sum / Math.Max(n, 1);
        var std = Math.Sqrt(Math.Max((sq / Math.Max(n, 1)) - (mean * mean), 0));
        var strong = 0;
        var threshold = (float)(2 * mean);
        foreach (var m in magnitudes)
        {
            if (m > threshold)
            {
                strong++;
            }
        }

        double localCoherence = 0, weights = 0;
        for (var b = 0; b < blocksX * blocksY; b++)
        {
            var trace = blockJ[3 * b] + blockJ[(3 * b) + 1];
            if (trace > 1e-9)
            {
                localCoherence += Coherence(blockJ[3 * b], blockJ[(3 * b) + 1], blockJ[(3 * b) + 2]) * trace;
                weights += trace;
            }
        }

        w.Add($"{name}.mean", mean);
        w.Add($"{name}.cv", std / Math.Max(mean, 1e-6));
        w.Add($"{name}.edgeFraction", (double)strong / Math.Max(n, 1));
        w.Add($"{name}.coherence", Coherence(jxx, jyy, jxy));
        w.Add($"{name}.localCoherence", weights > 0 ? localCoherence / weights : 0);
        if (withHistogram)
        {
            double total = 0, max = 0;
            foreach (var v in orientation)
            {
                total += v;
                max = Math.Max(max, v);
            }

            for (var b = 0; b < 8; b++)
            {
                w.Add($"{name}.orient{b * 180 / 8}", total > 0 ? orientation[b] / total : 0.125);
            }

            w.Add($"{name}.orientPeak", total > 0 ? max * 8 / total : 1);
        }
    }

    private static double Coherence(double jxx, double jyy, double jxy)
    {
        var trace = jxx + jyy;
        return trace > 1e-12 ? Math.Sqrt(((jxx - jyy) * (jxx - jyy)) + (4 * jxy * jxy)) / trace : 0;
    }

    private static void Spectrum(GrayImage z, string name, bool withOrientation, ref Writer w)
    {
        const int N = Fft64.N;
        var power = new double[N * N];
        var re = new float[N * N];
        var im = new float[N * N];
        var window = new float[N];
        for (var i = 0; i < N; i++)
        {
            window[i] = (float)(0.5 - (0.5 * Math.Cos(2 * Math.PI * i / (N - 1))));
        }

        foreach (var ty in TileOrigins(z.Height, N))
        {
            foreach (var tx in TileOrigins(z.Width, N))
            {
                im.AsSpan().Clear();
                double mean = 0;
                for (var y = 0; y < N; y++)
                {
                    for (var x = 0; x < N; x++)
                    {
                        var v = (tx + x < z.Width && ty + y < z.Height) ? z[tx + x, ty + y] : 0f;
                        re[(y * N) + x] = v;
                        mean += v;
                    }
                }

                mean /= N * N;
                for (var y = 0; y < N; y++)
                {
                    for (var x = 0; x < N; x++)
                    {
                        re[(y * N) + x] = (re[(y * N) + x] - (float)mean) * window[x] * window[y];
                    }
                }

                Fft64.Forward2D(re, im);
                for (var i = 0; i < power.Length; i++)
                {
                    power[i] += (re[i] * (double)re[i]) + (im[i] * (double)im[i]);
                }
            }
        }

        // Octave bands in cycles per tile, DC excluded.
        Span<double> bands = stackalloc double[6];
        bands.Clear();
        Span<double> directional = stackalloc double[12];
        directional.Clear();
        Span<double> radialSum = stackalloc double[N];
        Span<int> radialCount = stackalloc int[N];
        radialSum.Clear();
        radialCount.Clear();
        double total = 0;
        for (var v = 0; v < N; v++)
        {
            var fv = v < N / 2 ? v : v - N;
            for (var u = 0; u < N; u++)
            {
                var fu = u < N / 2 ? u : u - N;
                if (fu == 0 && fv == 0)
                {
                    continue;
                }

                var r = Math.Sqrt((fu * fu) + (fv * fv));
                var e = power[(v * N) + u];
                total += e;
                var band = Math.Min(5, (int)Math.Floor(Math.Log2(r)));
                bands[band] += e;
                var ri = (int)Math.Round(r);
                if (ri < N)
                {
                    radialSum[ri] += e;
                    radialCount[ri]++;
                }

                if (withOrientation && r >= 4 && r < 32)
                {
                    // Direction of the spatial structure's wave vector, modulo 180°.
                    var angle = Math.Atan2(fv, fu);
                    if (angle < 0)
                    {
                        angle += Math.PI;
                    }

                    if (angle >= Math.PI)
                    {
                        angle -= Math.PI;
                    }

                    var sector = (int)((angle / Math.PI * 6) + 0.5) % 6;
                    directional[(r < 12 ? 0 : 6) + sector] += e;
                }
            }
        }

        total = Math.Max(total, 1e-12);
        for (var b = 0; b < 6; b++)
        {
            w.Add($"{name}.band{1 << b}", Math.Log10((bands[b] / total) + 1e-6));
        }

        // Slope of log power against log frequency (about -2 to -4 for natural, smooth images; flatter for noise).
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        var points = 0;
        for (var r = 2; r <= 28; r++)
        {
            if (radialCount[r] == 0 || radialSum[r] <= 0)
            {
                continue;
            }

            var lx = Math.Log(r);
            var ly = Math.Log(radialSum[r] / radialCount[r]);
            sx += lx;
            sy += ly;
            sxx += lx * lx;
            sxy += lx * ly;
            points++;
        }

        w.Add($"{name}.slope", points > 2 ? ((points * sxy) - (sx * sy)) / ((points * sxx) - (sx * sx)) : 0);

        // Strongest single frequency against the mean of its ring: large for periodic patterns.
        double peak = 0;
        for (var v = 0; v < N; v++)
        {
            var fv = v < N / 2 ? v : v - N;
            for (var u = 0; u < N; u++)
            {
                var fu = u < N / 2 ? u : u - N;
                var r = (int)Math.Round(Math.Sqrt((fu * fu) + (fv * fv)));
                if (r < 3 || r >= N / 2 || radialSum[r] <= 0)
                {
                    continue;
                }

                peak = Math.Max(peak, power[(v * N) + u] / (radialSum[r] / radialCount[r]));
            }
        }

        w.Add($"{name}.peak", Math.Log(peak + 1));
        if (withOrientation)
        {
            for (var range = 0; range < 2; range++)
            {
                double sum = 0;
                for (var s = 0; s < 6; s++)
                {
                    sum += directional[(range * 6) + s];
                }

                for (var s = 0; s < 6; s++)
                {
                    w.Add($"{name}.{(range == 0 ? "mid" : "high")}.dir{s * 30}", sum > 0 ? directional[(range * 6) + s] / sum : 1.0 / 6);
                }
            }
        }
    }

    /// <summary>Tile origins spread evenly from 0 to length - tile with about half a tile between them (one tile at 0 when the image is smaller).</summary>
    private static int[] TileOrigins(int length, int tile)
    {
        if (length <= tile)
        {
            return [0];
        }

        var count = (int)Math.Ceiling((length - tile) / (tile / 2.0)) + 1;
        var origins = new int[count];
        for (var i = 0; i < count; i++)
        {
            origins[i] = (int)Math.Round((double)(length - tile) * i / (count - 1));
        }

        return origins;
    }

    private static void Morphology(GrayImage image, ref Writer w)
    {
        var width = image.Width;
        var height = image.Height;
        var n = width * height;
        var smooth = Blur(image.Pixels, width, height, 1f);

        // Otsu's threshold over a 256-bin histogram of the smoothed image.
        float min = float.MaxValue, max = float.MinValue;
        for (var i = 0; i < n; i++)
        {
            min = Math.Min(min, smooth[i]);
            max = Math.Max(max, smooth[i]);
        }

        var span = Math.Max(max - min, 1e-6f);
        var histogram = new double[256];
        for (var i = 0; i < n; i++)
        {
            histogram[Math.Min(255, (int)((smooth[i] - min) / span * 256))]++;
        }

        double totalMean = 0;
        for (var i = 0; i < 256; i++)
        {
            totalMean += i * histogram[i];
        }

        totalMean /= n;
        double totalVariance = 0;
        for (var i = 0; i < 256; i++)
        {
            totalVariance += (i - totalMean) * (i - totalMean) * histogram[i];
        }

        totalVariance /= n;
        double bestBetween = -1, weight0 = 0, sum0 = 0;
        var best = 128;
        for (var t = 0; t < 255; t++)
        {
            weight0 += histogram[t];
            sum0 += t * histogram[t];
            if (weight0 == 0 || weight0 == n)
            {
                continue;
            }

            var mean0 = sum0 / weight0;
            var mean1 = ((totalMean * n) - sum0) / (n - weight0);
            var between = weight0 * (n - weight0) * (mean0 - mean1) * (mean0 - mean1) / ((double)n * n);
            if (between > bestBetween)
            {
                bestBetween = between;
                best = t;
            }
        }

        var threshold = min + ((best + 1) * span / 256);
        var bright = new bool[n];
        var brightCount = 0;
        for (var i = 0; i < n; i++)
        {
            bright[i] = smooth[i] >= threshold;
            brightCount += bright[i] ? 1 : 0;
        }

        w.Add("morph.brightFraction", (double)brightCount / n);
        w.Add("morph.separability", totalVariance > 0 ? bestBetween / totalVariance : 0);
        Components(bright, width, height, phase: true, "morph.bright", ref w);
        Components(bright, width, height, phase: false, "morph.dark", ref w);
    }

    /// <summary>4-connected components of one phase: count, sizes and compactness (4π·area / perimeter², 1 for a disc).</summary>
    private static void Components(bool[] mask, int width, int height, bool phase, string name, ref Writer w)
    {
        var n = width * height;
        var label = new int[n];
        var stack = new Stack<int>();
        int count = 0, largest = 0, counted = 0;
        double areaSum = 0, compactnessSum = 0;
        for (var start = 0; start < n; start++)
        {
            if (mask[start] != phase || label[start] != 0)
            {
                continue;
            }

            count++;
            var area = 0;
            var perimeter = 0;
            label[start] = count;
            stack.Push(start);
            while (stack.Count > 0)
            {
                var i = stack.Pop();
                area++;
                var x = i % width;
                var y = i / width;
                for (var k = 0; k < 4; k++)
                {
                    var nx = x + (k == 0 ? 1 : k == 1 ? -1 : 0);
                    var ny = y + (k == 2 ? 1 : k == 3 ? -1 : 0);
                    if (nx < 0 || ny < 0 || nx >= width || ny >= height)
                    {
                        perimeter++;
                        continue;
                    }

                    var j = (ny * width) + nx;
                    if (mask[j] != phase)
                    {
                        perimeter++;
                    }
                    else if (label[j] == 0)
                    {
                        label[j] = count;
                        stack.Push(j);
                    }
                }
            }

            largest = Math.Max(largest, area);
            if (area >= 4)
            {
                areaSum += area;
                compactnessSum += Math.Min(1, 4 * Math.PI * area / ((double)perimeter * perimeter));
                counted++;
            }
        }

        w.Add($"{name}.count", Math.Log(1 + (counted * 10000.0 / n)));
        w.Add($"{name}.meanArea", counted > 0 ? Math.Log(areaSum / counted) : 0);
        w.Add($"{name}.largest", (double)largest / n);
        w.Add($"{name}.compactness", counted > 0 ? compactnessSum / counted : 0);
    }

    private static void Blobs(GrayImage z, ref Writer w)
    {
        var width = z.Width;
        var height = z.Height;
        var previous = Blur(z.Pixels, width, height, 1f);
        foreach (var sigma in (float[])[1f, 2f, 4f])
        {
            var next = Blur(z.Pixels, width, height, sigma * 2);
            var dog = new float[width * height];
            double absolute = 0;
            for (var i = 0; i < dog.Length; i++)
            {
                dog[i] = previous[i] - next[i];
                absolute += Math.Abs(dog[i]);
            }

            int maxima = 0, minima = 0;
            const float Threshold = 0.3f;
            for (var y = 1; y < height - 1; y++)
            {
                for (var x = 1; x < width - 1; x++)
                {
                    var i = (y * width) + x;
                    var v = dog[i];
                    if (v > Threshold && v >= dog[i - 1] && v >= dog[i + 1] && v >= dog[i - width] && v >= dog[i + width]
                        && v >= dog[i - width - 1] && v >= dog[i - width + 1] && v >= dog[i + width - 1] && v >= dog[i + width + 1])
                    {
                        maxima++;
                    }
                    else if (v < -Threshold && v <= dog[i - 1] && v <= dog[i + 1] && v <= dog[i - width] && v <= dog[i + width]
                        && v <= dog[i - width - 1] && v <= dog[i - width + 1] && v <= dog[i + width - 1] && v <= dog[i + width + 1])
                    {
                        minima++;
                    }
                }
            }

            var area = width * height / 10000.0;
            w.Add($"blob.s{sigma}.bright", Math.Log(1 + (maxima / area)));
            w.Add($"blob.s{sigma}.dark", Math.Log(1 + (minima / area)));
            w.Add($"blob.s{sigma}.energy", absolute / dog.Length);
            previous = next;
        }
    }

    /// <summary>Separable Gaussian blur (radius 3σ, edges clamped).</summary>
    private static float[] Blur(float[] source, int width, int height, float sigma)
    {
        var radius = Math.Max(1, (int)Math.Ceiling(3 * sigma));
        var kernel = new float[(2 * radius) + 1];
        float sum = 0;
        for (var i = -radius; i <= radius; i++)
        {
            kernel[i + radius] = MathF.Exp(-(i * i) / (2 * sigma * sigma));
            sum += kernel[i + radius];
        }

        for (var i = 0; i < kernel.Length; i++)
        {
            kernel[i] /= sum;
        }

        var temp = new float[width * height];
        var output = new float[width * height];
        for (var y = 0; y < height; y++)
        {
            var row = y * width;
            for (var x = 0; x < width; x++)
            {
                float acc = 0;
                for (var k = -radius; k <= radius; k++)
                {
                    acc += source[row + Math.Clamp(x + k, 0, width - 1)] * kernel[k + radius];
                }

                temp[row + x] = acc;
            }
        }

        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                float acc = 0;
                for (var k = -radius; k <= radius; k++)
                {
                    acc += temp[(Math.Clamp(y + k, 0, height - 1) * width) + x] * kernel[k + radius];
                }

                output[(y * width) + x] = acc;
            }
        }

        return output;
    }

    /// <summary>Appends values (and, once, their names).</summary>
    private ref struct Writer(float[] output, List<string>? names)
    {
        private int _index;

        public void Add(string name, double value)
        {
            names?.Add(name);
            output[_index++] = double.IsFinite(value) ? (float)value : 0f;
        }
    }
}
