using System.Buffers;

namespace Idrp.Analysis.Stm.Imaging;

/// <summary>Display range of a frame or movie, computed as pyfastspm's <c>get_contrast_limits</c>.</summary>
public readonly record struct ContrastLimits(double Low, double High)
{
    /// <summary>Full range: minimum and maximum, truncated to integers like pyfastspm.</summary>
    public static ContrastLimits FullRange(ReadOnlySpan<float> data)
    {
        ArgumentOutOfRangeException.ThrowIfZero(data.Length, nameof(data));
        var min = float.PositiveInfinity;
        var max = float.NegativeInfinity;
        foreach (var v in data)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        return new ContrastLimits(Math.Truncate(min), Math.Truncate(max));
    }

    /// <summary>
    /// Keeps the central fraction <paramref name="keep"/> (0..1) of the histogram: limits are the
    /// <c>(1 - keep) / 2</c> and <c>1 - (1 - keep) / 2</c> percentiles (linear interpolation, as numpy), truncated.
    /// </summary>
    public static ContrastLimits Keep(ReadOnlySpan<float> data, double keep)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(keep);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(keep, 1);
        return Discard(data, (1 - keep) / 2, (1 - keep) / 2);
    }

    /// <summary>Discards fraction <paramref name="bottom"/> at the low end and <paramref name="top"/> at the high end.</summary>
    public static ContrastLimits Discard(ReadOnlySpan<float> data, double bottom, double top)
    {
        ArgumentOutOfRangeException.ThrowIfZero(data.Length, nameof(data));
        ArgumentOutOfRangeException.ThrowIfNegative(bottom);
        ArgumentOutOfRangeException.ThrowIfNegative(top);
        var sorted = ArrayPool<float>.Shared.Rent(data.Length);
        try
        {
            var span = sorted.AsSpan(0, data.Length);
            data.CopyTo(span);
            span.Sort();
            return new ContrastLimits(Math.Truncate(Percentile(span, bottom)), Math.Truncate(Percentile(span, 1 - top)));
        }
        finally
        {
            ArrayPool<float>.Shared.Return(sorted);
        }
    }

    private static double Percentile(ReadOnlySpan<float> sorted, double q)
    {
        var position = q * (sorted.Length - 1);
        var below = (int)Math.Floor(position);
        var above = Math.Min(below + 1, sorted.Length - 1);
        var weight = position - below;
        return sorted[below] + (sorted[above] - (double)sorted[below]) * weight;
    }
}
