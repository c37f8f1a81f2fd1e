using System.Collections.Frozen;

namespace Idrp.Domain.Search;

/// <summary>
/// Converts a value with a unit to its base unit, so that "5 kV" and "5000 V" compare equal in range
/// filters. Known: SI units with decimal prefixes (V, A, m, s, Hz, Pa, W, eV, g, K, T, Ω, F, C, N, J, L, rad, x),
/// and a few named ones (bar, Torr, min, h, °, Å). A unit it does not know is its own base, so it still
/// compares with values given in exactly that unit.
/// </summary>
public static class Units
{
    private static readonly FrozenDictionary<string, double> Prefixes = new Dictionary<string, double>(StringComparer.Ordinal)
    {
        ["Y"] = 1e24, ["Z"] = 1e21, ["E"] = 1e18, ["P"] = 1e15, ["T"] = 1e12, ["G"] = 1e9, ["M"] = 1e6, ["k"] = 1e3,
        ["h"] = 1e2, ["da"] = 1e1, ["d"] = 1e-1, ["c"] = 1e-2, ["m"] = 1e-3, ["µ"] = 1e-6, ["μ"] = 1e-6, ["u"] = 1e-6,
        ["n"] = 1e-9, ["p"] = 1e-12, ["f"] = 1e-15, ["a"] = 1e-18,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Units that take decimal prefixes; "x" is magnification (50 kx = 50,000×).</summary>
    private static readonly FrozenSet<string> PrefixableBases = new[]
    {
        "V", "A", "m", "s", "Hz", "Pa", "W", "eV", "g", "K", "T", "Ω", "Ohm", "F", "C", "N", "J", "L", "rad", "x", "bar", "Torr", "Gy", "S",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Units that are a multiple of another base unit.</summary>
    private static readonly FrozenDictionary<string, (string Base, double Factor)> Named = new Dictionary<string, (string, double)>(StringComparer.Ordinal)
    {
        ["bar"] = ("Pa", 1e5),
        ["Torr"] = ("Pa", 133.322368),
        ["torr"] = ("Pa", 133.322368),
        ["atm"] = ("Pa", 101325),
        ["min"] = ("s", 60),
        ["h"] = ("s", 3600),
        ["°"] = ("rad", Math.PI / 180),
        ["deg"] = ("rad", Math.PI / 180),
        ["Å"] = ("m", 1e-10),
        ["Ohm"] = ("Ω", 1),
        ["ohm"] = ("Ω", 1),
        ["×"] = ("x", 1),
        ["X"] = ("x", 1),
        ["l"] = ("L", 1),
        ["sec"] = ("s", 1),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The base unit of <paramref name="unit"/> and <paramref name="value"/> expressed in it; "" for no unit.</summary>
    public static (double Value, string Base) ToBase(double value, string? unit)
    {
        var u = unit?.Trim() ?? "";
        if (u.Length == 0)
        {
            return (value, "");
        }

        if (Resolve(u) is { } exact)
        {
            return (value * exact.Factor, exact.Base);
        }

        foreach (var (prefix, factor) in Prefixes)
        {
            if (u.Length > prefix.Length && u.StartsWith(prefix, StringComparison.Ordinal)
                && u[prefix.Length..] is var rest && PrefixableBases.Contains(rest) && Resolve(rest) is { } b)
            {
                return (value * factor * b.Factor, b.Base);
            }
        }

        return (value, u);
    }

    private static (string Base, double Factor)? Resolve(string unit)
    {
        if (Named.TryGetValue(unit, out var named))
        {
            return named;
        }

        return PrefixableBases.Contains(unit) ? (unit, 1) : null;
    }
}
