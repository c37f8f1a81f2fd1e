namespace Idrp.Analysis.Stm.Imaging;

/// <summary>A 256-entry RGB colour table. Immutable; thread safe.</summary>
public sealed class ColorMap
{
    private readonly byte[] _table; // 256 x RGB
    private readonly byte[] _yuv; // 256 x YUV (BT.601, limited range)

    private ColorMap(string name, byte[] table)
    {
        Name = name;
        _table = table;
        _yuv = new byte[256 * 3];
        for (var level = 0; level < 256; level++)
        {
            var (y, u, v) = ToYuv(table[3 * level], table[3 * level + 1], table[3 * level + 2]);
            (_yuv[3 * level], _yuv[3 * level + 1], _yuv[3 * level + 2]) = (y, u, v);
        }
    }

    /// <summary>Map name.</summary>
    public string Name { get; }

    /// <summary>matplotlib's <c>hot</c> (black, red, yellow, white), pyfastspm's default.</summary>
    public static ColorMap Hot { get; } = Build("hot", static x => (Ramp(x, 0, 0.365079), Ramp(x, 0.365079, 0.746032), Ramp(x, 0.746032, 1)));

    /// <summary>Linear grey scale.</summary>
    public static ColorMap Gray { get; } = Build("gray", static x => (x, x, x));

    /// <summary>Gwyddion's default "Gwyddion.net" palette approximated by its five stops (black, blue-violet, orange, yellow, white).</summary>
    public static ColorMap Gwyddion { get; } = Build("gwyddion", static x => Stops(x,
        [(0, 0, 0, 0), (0.34, 0.444, 0.082, 0.51), (0.65, 0.94, 0.45, 0.02), (0.85, 1, 0.83, 0.35), (1, 1, 1, 1)]));

    /// <summary>Finds a map by name (<c>hot</c>, <c>gray</c>, <c>gwyddion</c>).</summary>
    public static ColorMap FromName(string name) => name.ToUpperInvariant() switch
    {
        "HOT" => Hot,
        "GRAY" or "GREY" => Gray,
        "GWYDDION" => Gwyddion,
        _ => throw new ArgumentException($"Unknown colour map '{name}' (hot, gray, gwyddion).", nameof(name)),
    };

    /// <summary>The RGB triple for level 0..255.</summary>
    public ReadOnlySpan<byte> this[int level] => _table.AsSpan(level * 3, 3);

    /// <summary>
    /// Maps <paramref name="values"/> to RGB (3 bytes per value): <c>level = round(255 * (v - low) / (high - low))</c>,
    /// clamped; NaN maps to level 0.
    /// </summary>
    public void Apply(ReadOnlySpan<float> values, ContrastLimits limits, Span<byte> rgb)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rgb.Length, values.Length * 3, nameof(rgb));
        var scale = limits.High > limits.Low ? 255.0 / (limits.High - limits.Low) : 0;
        var low = limits.Low;
        var table = _table;
        for (var i = 0; i < values.Length; i++)
        {
            var level = (int)Math.Round((values[i] - low) * scale);
            level = level < 0 ? 0 : level > 255 ? 255 : level;
            rgb[3 * i] = table[3 * level];
            rgb[3 * i + 1] = table[3 * level + 1];
            rgb[3 * i + 2] = table[3 * level + 2];
        }
    }

    /// <summary>
    /// Maps <paramref name="values"/> to colour levels 0..255 as <see cref="Apply"/> does (<c>round(255 * (v - low) / (high - low))</c>,
    /// clamped; NaN gives 0).
    /// </summary>
    public static void Levels(ReadOnlySpan<float> values, ContrastLimits limits, Span<byte> levels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(levels.Length, values.Length, nameof(levels));
        var scale = limits.High > limits.Low ? 255.0 / (limits.High - limits.Low) : 0;
        var low = limits.Low;
        levels = levels[..values.Length];
        for (var i = 0; i < levels.Length; i++)
        {
            var level = (int)Math.Round((values[i] - low) * scale);
            levels[i] = (byte)(level < 0 ? 0 : level > 255 ? 255 : level);
        }
    }

    /// <summary>Y, U, V of every level, one after the other (768 bytes).</summary>
    internal ReadOnlySpan<byte> YuvTable => _yuv;

    /// <summary>The Y, U, V bytes of level 0..255: BT.601 limited range, the conversion ffmpeg applies to RGB input without colour tags.</summary>
    public (byte Y, byte U, byte V) Yuv(int level) => (_yuv[3 * level], _yuv[3 * level + 1], _yuv[3 * level + 2]);

    /// <summary>BT.601 limited-range Y, U, V of an sRGB triple (Y 16..235, U and V 16..240).</summary>
    public static (byte Y, byte U, byte V) ToYuv(byte r, byte g, byte b)
    {
        var y = 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255;
        var u = 128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255;
        var v = 128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255;
        return ((byte)Math.Round(y), (byte)Math.Round(u), (byte)Math.Round(v));
    }

    private static ColorMap Build(string name, Func<double, (double R, double G, double B)> f)
    {
        var table = new byte[256 * 3];
        for (var i = 0; i < 256; i++)
        {
            var (r, g, b) = f(i / 255.0);
            table[i * 3] = ToByte(r);
            table[i * 3 + 1] = ToByte(g);
            table[i * 3 + 2] = ToByte(b);
        }

        return new ColorMap(name, table);
    }

    private static byte ToByte(double v) => (byte)Math.Clamp(Math.Round(v * 255), 0, 255);

    private static double Ramp(double x, double from, double to) => Math.Clamp((x - from) / (to - from), 0, 1);

    private static (double, double, double) Stops(double x, (double At, double R, double G, double B)[] stops)
    {
        for (var i = 1; i < stops.Length; i++)
        {
            if (x <= stops[i].At)
            {
                var a = stops[i - 1];
                var b = stops[i];
                var t = (x - a.At) / (b.At - a.At);
                return (a.R + (b.R - a.R) * t, a.G + (b.G - a.G) * t, a.B + (b.B - a.B) * t);
            }
        }

        return (1, 1, 1);
    }
}
