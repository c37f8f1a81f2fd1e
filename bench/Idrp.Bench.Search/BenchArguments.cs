namespace Idrp.Bench.Search;

/// <summary>The command line of the search and pages benchmarks: <c>--name value</c> options, a bare <c>--flag</c> being "true".</summary>
internal static class BenchArguments
{
    /// <summary>
    /// The options by name, or null (after saying so on standard error) when one is not in <paramref name="known"/>: a
    /// mistyped option must not be ignored, as the run would measure something other than what was asked for.
    /// </summary>
    public static Dictionary<string, string>? Parse(string[] args, string[] known)
    {
        var options = args.Select((a, i) => (a, i)).Where(x => x.a.StartsWith("--", StringComparison.Ordinal))
            .ToDictionary(x => x.a[2..], x => x.i + 1 < args.Length && !args[x.i + 1].StartsWith("--", StringComparison.Ordinal) ? args[x.i + 1] : "true", StringComparer.Ordinal);
        if (options.Keys.FirstOrDefault(k => !known.Contains(k)) is { } unknown)
        {
            Console.Error.WriteLine($"Unknown option --{unknown}; known: --{string.Join(", --", known)}.");
            return null;
        }

        return options;
    }
}
