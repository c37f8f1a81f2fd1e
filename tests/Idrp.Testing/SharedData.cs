namespace Idrp.Testing;

/// <summary>
/// The test data in the steering repository's shared/data folder, which sits beside the clone (locally and in CI).
/// A missing file fails the test with a clear message; it is never a reason to skip.
/// </summary>
public static class SharedData
{
    public static string File(string relativePath)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "shared", "data", relativePath);
            if (System.IO.File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"Test data shared/data/{relativePath} was not found beside the repository.", relativePath);
    }
}
