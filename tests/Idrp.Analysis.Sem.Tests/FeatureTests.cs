using Idrp.Analysis.Sem.Features;
using Idrp.Analysis.Sem.Synthetic;
using Idrp.Imaging;

namespace Idrp.Analysis.Sem.Tests;

public sealed class FeatureTests
{
    [Fact]
    public void Every_feature_has_a_distinct_name_and_a_finite_value()
    {
        Assert.Equal(112, SemFeatures.Count);
        Assert.Equal(SemFeatures.Count, SemFeatures.Names.Distinct(StringComparer.Ordinal).Count());
        var features = SemFeatures.Extract(SyntheticSem.Generate(SemCategories.Powder, 0, width: 400, height: 300));
        Assert.Equal(SemFeatures.Count, features.Length);
        Assert.All(features, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void All_but_the_intensity_features_ignore_brightness_and_contrast()
    {
        var image = SyntheticSem.Generate(SemCategories.Particles, 2, width: 400, height: 300);
        var dimmer = new GrayImage(image.Width, image.Height, [.. image.Pixels.Select(v => (0.5f * v) + 0.2f)]);
        var a = SemFeatures.Extract(image);
        var b = SemFeatures.Extract(dimmer);
        for (var i = 0; i < a.Length; i++)
        {
            if (!SemFeatures.Names[i].StartsWith("int.", StringComparison.Ordinal))
            {
                Assert.True(Math.Abs(a[i] - b[i]) <= 0.02 + (0.01 * Math.Abs(a[i])), string.Join("; ", Enumerable.Range(0, a.Length).Where(j => Math.Abs(a[j] - b[j]) > 0.001).Select(j => $"{SemFeatures.Names[j]}: {a[j]} vs {b[j]}")));
            }
        }

        Assert.NotEqual(a[SemFeatures.Names.ToList().IndexOf("int.mean")], b[SemFeatures.Names.ToList().IndexOf("int.mean")]);
    }

    [Fact]
    public void Orientation_features_follow_a_rotation_of_the_image()
    {
        // Vertical stripes, then the same stripes horizontal: the gradient histogram's peak moves by 90°.
        var vertical = new GrayImage(320, 320);
        var horizontal = new GrayImage(320, 320);
        for (var y = 0; y < 320; y++)
        {
            for (var x = 0; x < 320; x++)
            {
                vertical[x, y] = 0.5f + (0.4f * MathF.Sin(x * 0.5f));
                horizontal[x, y] = 0.5f + (0.4f * MathF.Sin(y * 0.5f));
            }
        }

        var names = SemFeatures.Names.ToList();
        float Get(float[] f, string name) => f[names.IndexOf(name)];
        var v = SemFeatures.Extract(vertical);
        var h = SemFeatures.Extract(horizontal);

        // Edges of vertical stripes have horizontal gradients (0°); of horizontal stripes, vertical ones (90°).
        Assert.True(Get(v, "grad0.orient0") > 0.9, string.Join(", ", names.Where(n => n.StartsWith("grad0.orient", StringComparison.Ordinal)).Select(n => $"{n}={Get(v, n)}")));
        Assert.True(Get(h, "grad0.orient90") > 0.9);
        Assert.True(Get(v, "grad0.coherence") > 0.9);

        // A pure grating is one spectral peak.
        Assert.True(Get(v, "spec0.peak") > 3);
    }
}
