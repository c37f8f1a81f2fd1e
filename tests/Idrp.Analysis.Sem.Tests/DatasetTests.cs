using System.Formats.Tar;
using Idrp.Analysis.Sem.Dataset;
using Idrp.Analysis.Sem.Model;
using Idrp.Analysis.Sem.Synthetic;
using Idrp.Imaging;

namespace Idrp.Analysis.Sem.Tests;

/// <summary>The published layouts: a folder per category, a tar per category, L0…L9 file names; and damaged images.</summary>
public sealed class DatasetTests
{
    private static void WriteJpeg(string path, string category, int index)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var file = File.Create(path);
        ImageEncoder.WriteJpeg(SyntheticSem.Generate(category, index, seed: 5, width: 128, height: 96), file);
    }

    [Theory]
    [InlineData("Porous_Sponge", SemCategories.PorousSponge)]
    [InlineData("Patterned_surface", SemCategories.Patterned)]
    [InlineData("Films_Coated_Surface.tar", SemCategories.Films)]
    [InlineData("MEMS_devices_and_electrodes", SemCategories.Mems)]
    [InlineData("nanowires", SemCategories.Nanowires)]
    [InlineData("Fibers", SemCategories.Fibres)]
    [InlineData("Biological.tar.gz", SemCategories.Biological)]
    public void Folder_and_archive_names_of_the_published_set_map_to_categories(string name, string category) =>
        Assert.Equal(category, SemCategories.FromName(name));

    [Fact]
    public void Published_file_name_prefixes_follow_the_b2share_mapping()
    {
        string?[] expected = [SemCategories.PorousSponge, SemCategories.Patterned, SemCategories.Particles, SemCategories.Films, SemCategories.Powder,
            SemCategories.Tips, SemCategories.Nanowires, SemCategories.Biological, SemCategories.Mems, SemCategories.Fibres];
        for (var k = 0; k < 10; k++)
        {
            Assert.Equal(expected[k], SemCategories.FromPublishedFileName($"/data/x/L{k}_0a6f18702a4a32677c74ed390f3af7af.jpg"));
        }

        Assert.Null(SemCategories.FromPublishedFileName("IMG_0001.jpg"));
        Assert.Null(SemCategories.FromName("images"));
    }

    [Fact]
    public void Folders_per_category_prefixes_and_own_categories_are_read_and_unlabelled_files_reported()
    {
        using var temp = new TempDirectory();
        WriteJpeg(temp.Combine("Tips", "a.jpg"), SemCategories.Tips, 0);
        WriteJpeg(temp.Combine("Tips", "deeper", "b.jpg"), SemCategories.Tips, 1);
        WriteJpeg(temp.Combine("L9_00ff.jpg"), SemCategories.Fibres, 0);
        WriteJpeg(temp.Combine("unsorted", "L4_1234.jpg"), SemCategories.Powder, 0);
        WriteJpeg(temp.Combine("Graphene flakes", "g.jpg"), SemCategories.Films, 0);
        WriteJpeg(temp.Combine("IMG_0001.jpg"), SemCategories.Films, 1);
        File.WriteAllText(temp.Combine("Tips", "notes.txt"), "not an image");

        var skips = new DatasetSkips();
        var samples = SemDataset.Enumerate(temp.Path, skips).ToList();
        var byFile = samples.ToDictionary(s => Path.GetFileName(s.Name), s => s.Label);
        Assert.Equal(5, samples.Count);
        Assert.Equal(SemCategories.Tips, byFile["a.jpg"]);
        Assert.Equal(SemCategories.Tips, byFile["b.jpg"]);
        Assert.Equal(SemCategories.Fibres, byFile["L9_00ff.jpg"]);
        Assert.Equal(SemCategories.Powder, byFile["L4_1234.jpg"]);
        Assert.Equal("Graphene flakes", byFile["g.jpg"]);
        var skip = Assert.Single(skips.Items);
        Assert.EndsWith("IMG_0001.jpg", skip.Name, StringComparison.Ordinal);
    }

    [Fact]
    public void One_tar_per_category_is_streamed_and_trains_a_model()
    {
        using var temp = new TempDirectory();
        string[] categories = [SemCategories.Tips, SemCategories.Patterned, SemCategories.Fibres];
        string[] tarNames = ["Tips.tar", "Patterned_surface.tar", "mixed.tar"];
        for (var c = 0; c < 3; c++)
        {
            var staging = temp.Combine("staging", c.ToString(System.Globalization.CultureInfo.InvariantCulture));
            for (var i = 0; i < 8; i++)
            {
                // The third archive's name says nothing; its entries carry the published L9_ prefix.
                var name = c == 2 ? $"L9_{i:x32}.jpg" : $"L{c}_{i:x32}.jpg";
                WriteJpeg(Path.Combine(staging, "images", name), categories[c], i);
            }

            Directory.CreateDirectory(temp.Combine("tars"));
            TarFile.CreateFromDirectory(staging, temp.Combine("tars", tarNames[c]), includeBaseDirectory: false);
        }

        var samples = SemDataset.Enumerate(temp.Combine("tars")).ToList();
        Assert.Equal(24, samples.Count);
        Assert.All(samples, s => Assert.NotNull(s.Data));
        Assert.Equal(8, samples.Count(s => s.Label == SemCategories.Tips));
        Assert.Equal(8, samples.Count(s => s.Label == SemCategories.Patterned));
        Assert.Equal(8, samples.Count(s => s.Label == SemCategories.Fibres));
        Assert.Contains(samples, s => s.Name.EndsWith("Tips.tar!images/L0_" + new string('0', 32) + ".jpg", StringComparison.Ordinal));

        var manifest = SemTrainer.Train(SemDataset.Enumerate(temp.Combine("tars")), temp.Combine("model"), "tars");
        Assert.Equal([SemCategories.Fibres, SemCategories.Tips, SemCategories.Patterned], manifest.Labels);
        Assert.Equal(6, manifest.Training!.HeldOutImages);
        Assert.True(manifest.Training.HeldOutAccuracy >= 0.8, $"accuracy {manifest.Training.HeldOutAccuracy}");
    }

    [Fact]
    public void A_single_tar_file_is_a_data_set_too_and_a_damaged_tar_is_named()
    {
        using var temp = new TempDirectory();
        WriteJpeg(temp.Combine("s", "Nanowires", "w.jpg"), SemCategories.Nanowires, 0);
        TarFile.CreateFromDirectory(temp.Combine("s"), temp.Combine("set.tar"), includeBaseDirectory: false);
        var sample = Assert.Single(SemDataset.Enumerate(temp.Combine("set.tar")));
        Assert.Equal(SemCategories.Nanowires, sample.Label);

        File.WriteAllBytes(temp.Combine("broken.tar"), [.. File.ReadAllBytes(temp.Combine("set.tar")).Take(700), .. new byte[10]]);
        var e = Assert.Throws<InvalidDataException>(() => SemDataset.Enumerate(temp.Combine("broken.tar")).ToList());
        Assert.Contains("broken.tar", e.Message, StringComparison.Ordinal);

        // Training reads the archive on its workers and still reports the damage as itself, naming the file.
        var training = Assert.Throws<InvalidDataException>(() => SemTrainer.Train(SemDataset.Enumerate(temp.Combine("broken.tar")), temp.Combine("model"), "broken"));
        Assert.Contains("broken.tar", training.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Damaged_images_are_skipped_in_training_with_their_name_and_reported_in_classification()
    {
        using var temp = new TempDirectory();
        foreach (var category in (string[])[SemCategories.Tips, SemCategories.Nanowires])
        {
            for (var i = 0; i < 4; i++)
            {
                WriteJpeg(temp.Combine("set", category, $"{i}.jpg"), category, i);
            }
        }

        var good = File.ReadAllBytes(temp.Combine("set", "Tips", "0.jpg"));
        File.WriteAllBytes(temp.Combine("set", "Tips", "truncated.jpg"), good[..(good.Length / 4)]);
        File.WriteAllText(temp.Combine("set", "Nanowires", "text.jpg"), "this is not a JPEG");

        var manifest = SemTrainer.Train(SemDataset.Enumerate(temp.Combine("set")), temp.Combine("model"), "set");
        Assert.Equal(8, manifest.Training!.TrainingImages + manifest.Training.HeldOutImages);
        Assert.Equal(2, manifest.Training.Skipped!.Count);
        Assert.Contains(manifest.Training.Skipped, s => s.Contains("truncated.jpg", StringComparison.Ordinal));
        Assert.Contains(manifest.Training.Skipped, s => s.Contains("text.jpg", StringComparison.Ordinal) && s.Contains("not a JPEG, PNG, TIFF", StringComparison.Ordinal));

        using var model = SemModels.Load(temp.Combine("model"));
        var results = SemClassifier.ClassifyPath(model, temp.Combine("set"), top: 2).ToList();
        Assert.Equal(10, results.Count);
        var failed = results.Where(r => r.Error is not null).Select(r => Path.GetFileName(r.Image)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["text.jpg", "truncated.jpg"], failed);
        Assert.All(results.Where(r => r.Error is null), r => Assert.Equal(2, r.Top.Count));
    }
}
