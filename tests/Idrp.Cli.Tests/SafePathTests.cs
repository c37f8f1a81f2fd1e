using Idrp.Cli.Commands;

namespace Idrp.Cli.Tests;

/// <summary>
/// Names from a server are never trusted as paths. Our server refuses these names on upload, so a download
/// can't meet them through it; the check is tested directly.
/// </summary>
public sealed class SafePathTests
{
    private static readonly string Root = Path.Combine(Path.GetTempPath(), "idrp-download-root");

    [Theory]
    [InlineData("", "..")]
    [InlineData("..", "passwd")]
    [InlineData("raw/../..", "passwd")]
    [InlineData("/etc", "passwd")]
    [InlineData("", "/etc/passwd")]
    [InlineData("raw", "a\\..\\..\\b")]
    [InlineData("raw//day", "a.txt")]
    [InlineData("raw", "new\nline")]
    [InlineData("raw", "nul\0byte")]
    [InlineData("C:", "x")]
    [InlineData("", "")]
    [InlineData("", ".")]
    public void Names_that_could_leave_the_download_folder_are_refused(string relativePath, string name) =>
        Assert.Null(SafePath.Combine(Root, relativePath, name));

    [Theory]
    [InlineData("", "a.txt", "a.txt")]
    [InlineData("raw/day 2", "scan ü.sxm", "raw/day 2/scan ü.sxm")]
    [InlineData("raw", "..hidden..", "raw/..hidden..")]
    public void Ordinary_names_land_inside_the_download_folder(string relativePath, string name, string expected) =>
        Assert.Equal(Path.Combine(Root, expected.Replace('/', Path.DirectorySeparatorChar)), SafePath.Combine(Root, relativePath, name));
}
