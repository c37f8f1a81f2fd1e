namespace Idrp.Analysis.Stm.Tests.Support;

/// <summary>Finds shared/data/stm by walking up from the test binaries; fails (never skips) when it is missing.</summary>
internal static class TestData
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    public static string Root => s_root.Value;

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    public static string References(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "References", name);

    public static string SyntheticMovie => Path("synthetic", "FS_synthetic_100x100_25img.h5");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "shared", "data", "stm");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            $"STM test data not found: no folder 'shared/data/stm' above {AppContext.BaseDirectory}. " +
            "Clone the repository beside the project's shared/ folder (e.g. /work/main and /work/shared).");
    }
}
