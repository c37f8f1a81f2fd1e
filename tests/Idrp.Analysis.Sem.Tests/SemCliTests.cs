using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Idrp.Analysis.Sem.Synthetic;
using Idrp.Imaging;

namespace Idrp.Analysis.Sem.Tests;

/// <summary><c>idrp sem …</c> run as a separate process, as a user runs it.</summary>
[Collection(TrainedModelCollection.Name)]
public sealed class SemCliTests(TrainedModelFixture fixture)
{
    private sealed record Run(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
    }

    private static string IdrpDll
    {
        get
        {
            // tests/Idrp.Analysis.Sem.Tests/bin/<Configuration>/net10.0/ -> src/Idrp.Cli/bin/<Configuration>/net10.0/idrp.dll
            var own = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var built = Path.GetFullPath(Path.Combine(own.FullName, "..", "..", "..", "..", "..", "src", "Idrp.Cli", "bin", own.Parent!.Name, own.Name, "idrp.dll"));
            return File.Exists(built) ? built : Path.Combine(AppContext.BaseDirectory, "idrp.dll");
        }
    }

    private static async Task<Run> IdrpAsync(TempDirectory home, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(IdrpDll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["HOME"] = home.Path;
        info.Environment["XDG_DATA_HOME"] = home.Combine("data");
        info.Environment.Remove("IDRP_SEM_MODEL");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"idrp {string.Join(' ', args)} did not finish: {await stdout} {await stderr}");
        }

        return new Run(process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task Classify_a_folder_prints_one_line_per_image_and_a_summary()
    {
        using var home = new TempDirectory();
        var folder = Path.Combine(fixture.DatasetDirectory, "Tips");
        var run = await IdrpAsync(home, "sem", "classify", folder, "--model", fixture.ModelDirectory, "--top", "2");
        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(TrainedModelFixture.PerCategory + 1, lines.Length);
        Assert.All(lines[..^1], l => Assert.Matches(@"^L5_\S+\.jpg  (Tips|uncertain|[A-Za-z ]+) [01]\.\d{3}  \(.+ [01]\.\d{3}, .+ [01]\.\d{3}\)$", l));
        Assert.StartsWith($"{TrainedModelFixture.PerCategory} images: Tips ", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Classify_json_lists_top_k_with_the_model_version()
    {
        using var home = new TempDirectory();
        var image = fixture.Files.First(f => f.Contains("Nanowires", StringComparison.Ordinal));
        var run = await IdrpAsync(home, "sem", "classify", image, "--model", fixture.ModelDirectory, "--top", "10", "--threshold", "0.99", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        using var json = JsonDocument.Parse(run.Stdout);
        var result = Assert.Single(json.RootElement.EnumerateArray());
        Assert.Equal(image, result.GetProperty("image").GetString());
        Assert.Equal(fixture.Manifest.Version, result.GetProperty("modelVersion").GetString());
        var top = result.GetProperty("top").EnumerateArray().ToList();
        Assert.Equal(10, top.Count);
        Assert.Equal(SemCategories.All.Order(StringComparer.Ordinal), top.Select(t => t.GetProperty("category").GetString()!).Order(StringComparer.Ordinal));
        var p = result.GetProperty("probability").GetDouble();
        Assert.Equal(p < 0.99 ? SemClassifier.Uncertain : top[0].GetProperty("category").GetString(), result.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task Train_on_a_folder_writes_a_model_that_classify_uses_by_default()
    {
        using var home = new TempDirectory();
        foreach (var category in (string[])[SemCategories.Particles, SemCategories.Mems])
        {
            for (var i = 0; i < 5; i++)
            {
                var path = home.Combine("set", category.Replace(' ', '_'), $"{i}.jpg");
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                using var file = File.Create(path);
                ImageEncoder.WriteJpeg(SyntheticSem.Generate(category, i, seed: 21, width: 256, height: 192), file);
            }
        }

        // The default model folder: $XDG_DATA_HOME/idrp/sem-model.
        var modelDir = home.Combine("data", "idrp", "sem-model");
        var train = await IdrpAsync(home, "sem", "train", home.Combine("set"), "--out", modelDir, "--holdout", "0.2");
        Assert.True(train.ExitCode == 0, train.ToString());
        Assert.Contains("held-out accuracy", train.Stdout, StringComparison.Ordinal);
        Assert.Contains("MEMS devices and electrodes", train.Stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(modelDir, "confusion.png")));

        var classify = await IdrpAsync(home, "sem", "classify", home.Combine("set", "Particles", "0.jpg"));
        Assert.True(classify.ExitCode == 0, classify.ToString());
        Assert.StartsWith(home.Combine("set", "Particles", "0.jpg") + "  ", classify.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Errors_are_one_line_with_the_documented_exit_codes()
    {
        using var home = new TempDirectory();
        File.WriteAllText(home.Combine("broken.jpg"), "not an image at all");

        var corrupt = await IdrpAsync(home, "sem", "classify", home.Combine("broken.jpg"), "--model", fixture.ModelDirectory);
        Assert.Equal(1, corrupt.ExitCode);
        Assert.Equal($"idrp: cannot read image {home.Combine("broken.jpg")}: not a JPEG, PNG, TIFF, BMP, GIF or WebP image (unrecognised first bytes)", corrupt.Stderr.TrimEnd('\n'));

        var missing = await IdrpAsync(home, "sem", "classify", home.Combine("nothing-here"), "--model", fixture.ModelDirectory);
        Assert.Equal(2, missing.ExitCode);
        Assert.Equal($"idrp: There is no image or folder {home.Combine("nothing-here")}.", missing.Stderr.TrimEnd('\n'));

        var noModel = await IdrpAsync(home, "sem", "classify", home.Combine("broken.jpg"));
        Assert.Equal(2, noModel.ExitCode);
        Assert.StartsWith("idrp: no SEM model at " + home.Combine("data", "idrp", "sem-model"), noModel.Stderr, StringComparison.Ordinal);
        Assert.Single(noModel.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var badThreshold = await IdrpAsync(home, "sem", "classify", home.Combine("broken.jpg"), "--threshold", "1.5");
        Assert.Equal(2, badThreshold.ExitCode);
    }

    [Fact]
    public async Task Synth_writes_ten_categories_named_like_the_published_set()
    {
        using var home = new TempDirectory();
        var run = await IdrpAsync(home, "sem", "synth", home.Combine("demo"), "--per-category", "1", "--size", "128x96");
        Assert.True(run.ExitCode == 0, run.ToString());
        var files = Directory.GetFiles(home.Combine("demo"), "*.jpg", SearchOption.AllDirectories);
        Assert.Equal(10, files.Length);
        Assert.All(files, f => Assert.Equal(SemCategories.FromName(Path.GetFileName(Path.GetDirectoryName(f))!), SemCategories.FromPublishedFileName(f)));
    }
}
