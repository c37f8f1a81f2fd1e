using Idrp.Imaging;

namespace Idrp.Analysis.Sem.Synthetic;

/// <summary>
/// Deterministic SEM-like images, one visual signature per category, for tests, demos and benchmarks: a scene
/// (cells, fibres, electrodes, particles, pores, a tip, a grainy film, a nanowire forest, a lattice, powder) drawn at a
/// random magnification (feature sizes × 0.7…1.5), with random brightness and contrast, edge brightening as in
/// secondary-electron images, blur, noise, and a microscope info bar burnt in at the bottom 9 % of the image (text-like
/// marks and a scale bar). The same (category, index, seed) always gives the same pixels. Thread-safe.
/// </summary>
public static class SyntheticSem
{
    /// <summary>Fraction of the height the info bar takes (within <see cref="InfoBarCrop.Default"/>).</summary>
    public const double InfoBarFraction = 0.08;

    /// <summary>The image of <paramref name="category"/> (one of <see cref="SemCategories.All"/>) number <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentException">Unknown category.</exception>
    public static GrayImage Generate(string category, int index, int seed = 1, int width = 1024, int height = 768)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 64);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 64);
        var which = IndexOf(category);
        var random = new Random(unchecked((seed * 1_000_003) + (which * 7_919) + (index * 104_729)));
        var barHeight = (int)Math.Round(height * InfoBarFraction);
        var sceneHeight = height - barHeight;
        var canvas = new Canvas(width, sceneHeight);
        var scale = (0.7 + (0.8 * random.NextDouble())) * width / 1024.0;
        switch (which)
        {
            case 0: Biological(canvas, random, scale); break;
            case 1: Fibres(canvas, random, scale); break;
            case 2: Mems(canvas, random, scale); break;
            case 3: Particles(canvas, random, scale); break;
            case 4: Sponge(canvas, random, scale); break;
            case 5: Tip(canvas, random, scale); break;
            case 6: Film(canvas, random, scale); break;
            case 7: Nanowires(canvas, random, scale); break;
            case 8: Patterned(canvas, random, scale); break;
            default: Powder(canvas, random, scale); break;
        }

        canvas.Blur(0.6 + (0.8 * random.NextDouble()));
        var gain = 0.7 + (0.5 * random.NextDouble());
        var offset = 0.12 * random.NextDouble();
        var noise = 0.02 + (0.05 * random.NextDouble());
        var image = new GrayImage(width, height);
        for (var y = 0; y < sceneHeight; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var v = (canvas[x, y] * gain) + offset + (noise * Gaussian(random));
                image[x, y] = Math.Clamp((float)v, 0f, 1f);
            }
        }

        InfoBar(image, sceneHeight, random);
        return image;
    }

    /// <summary>Writes <paramref name="perCategory"/> JPEGs per category into one folder per category, named like the published set (L<i>k</i>_&lt;hex&gt;.jpg). Returns the files.</summary>
    public static IReadOnlyList<string> WriteDataset(string directory, int perCategory, int seed = 1, int width = 1024, int height = 768, IReadOnlyList<string>? categories = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentOutOfRangeException.ThrowIfLessThan(perCategory, 1);
        var jobs = new List<(string Category, int Index, string Path)>();
        foreach (var category in categories ?? SemCategories.All)
        {
            var folder = Path.Combine(directory, category.Replace(' ', '_'));
            Directory.CreateDirectory(folder);
            var prefix = "L" + SemCategories.ByPublishedIndex.ToList().IndexOf(category).ToString(System.Globalization.CultureInfo.InvariantCulture);
            for (var i = 0; i < perCategory; i++)
            {
                var name = $"{prefix}_{(uint)((seed * 2_654_435_761u) ^ (uint)(IndexOf(category) * 40_503) ^ (uint)(i * 2_246_822_519u)):x8}{i:x4}.jpg";
                jobs.Add((category, i, Path.Combine(folder, name)));
            }
        }

        Parallel.ForEach(jobs, job =>
        {
            var image = Generate(job.Category, job.Index, seed, width, height);
            using var file = File.Create(job.Path);
            ImageEncoder.WriteJpeg(image, file, 90);
        });
        return [.. jobs.Select(j => j.Path)];
    }

    private static int IndexOf(string category)
    {
        ArgumentNullException.ThrowIfNull(category);
        for (var i = 0; i < SemCategories.All.Count; i++)
        {
            if (SemCategories.All[i] == category)
            {
                return i;
            }
        }

        throw new ArgumentException($"'{category}' is none of the ten SEM categories.", nameof(category));
    }

    private static double Gaussian(Random random)
    {
        var u = 1.0 - random.NextDouble();
        var v = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v);
    }

    private static double Range(Random random, double min, double max) => min + ((max - min) * random.NextDouble());

    private static void Biological(Canvas c, Random r, double s)
    {
        c.Fill(0.35 + (0.1 * r.NextDouble()));
        c.SmoothNoise(r, 80 * s, 0.12);
        var cells = r.Next(4, 10);
        for (var i = 0; i < cells; i++)
        {
            var rx = Range(r, 50, 140) * s;
            var ry = rx * Range(r, 0.5, 1.0);
            var cx = Range(r, 0, c.Width);
            var cy = Range(r, 0, c.Height);
            var angle = Range(r, 0, Math.PI);
            c.Ellipse(cx, cy, rx, ry, angle, 0.55 + (0.15 * r.NextDouble()), softness: 12 * s, rim: 0.15, rimWidth: 6 * s);
            for (var k = 0; k < 6; k++)
            {
                c.Ellipse(cx + Range(r, -rx / 2, rx / 2), cy + Range(r, -ry / 2, ry / 2), rx * 0.15, ry * 0.15, 0, 0.7, softness: 6 * s);
            }
        }
    }

    private static void Fibres(Canvas c, Random r, double s)
    {
        c.Fill(0.12);
        var fibres = r.Next(12, 30);
        for (var i = 0; i < fibres; i++)
        {
            var x = Range(r, 0, c.Width);
            var y = Range(r, 0, c.Height);
            var direction = Range(r, 0, 2 * Math.PI);
            var thickness = Range(r, 3, 9) * s;
            var value = Range(r, 0.55, 0.9);
            var steps = r.Next(20, 50);
            for (var k = 0; k < steps; k++)
            {
                direction += Range(r, -0.12, 0.12);
                var nx = x + (Math.Cos(direction) * 25 * s);
                var ny = y + (Math.Sin(direction) * 25 * s);
                c.Line(x, y, nx, ny, thickness, value, edge: 0.2);
                x = nx;
                y = ny;
            }
        }
    }

    private static void Mems(Canvas c, Random r, double s)
    {
        c.Fill(0.3 + (0.1 * r.NextDouble()));
        var vertical = r.Next(2) == 0;
        var pitch = Range(r, 30, 60) * s;
        var finger = pitch * Range(r, 0.3, 0.5);
        var length = c.Height * Range(r, 0.5, 0.7);
        var pad = Range(r, 60, 120) * s;
        var v = Range(r, 0.65, 0.85);
        if (vertical)
        {
            c.Rect(0, 0, c.Width, pad, v, edge: 0.15);
            c.Rect(0, c.Height - pad, c.Width, pad, v, edge: 0.15);
            var i = 0;
            for (var x = pitch / 2; x < c.Width; x += pitch, i++)
            {
                c.Rect(x, i % 2 == 0 ? pad : c.Height - pad - length, finger, length, v, edge: 0.15);
            }
        }
        else
        {
            c.Rect(0, 0, pad, c.Height, v, edge: 0.15);
            c.Rect(c.Width - pad, 0, pad, c.Height, v, edge: 0.15);
            var i = 0;
            var lengthX = c.Width * Range(r, 0.5, 0.7);
            for (var y = pitch / 2; y < c.Height; y += pitch, i++)
            {
                c.Rect(i % 2 == 0 ? pad : c.Width - pad - lengthX, y, lengthX, finger, v, edge: 0.15);
            }
        }
    }

    private static void Particles(Canvas c, Random r, double s)
    {
        c.Fill(0.15);
        c.SmoothNoise(r, 100 * s, 0.05);
        var count = r.Next(25, 70);
        for (var i = 0; i < count; i++)
        {
            var radius = Range(r, 5, 16) * s;
            c.Ellipse(Range(r, 0, c.Width), Range(r, 0, c.Height), radius, radius * Range(r, 0.85, 1.0), 0, Range(r, 0.6, 0.85), softness: 1.5, rim: 0.2, rimWidth: 2 * s);
        }
    }

    private static void Sponge(Canvas c, Random r, double s)
    {
        c.Fill(0.7);
        c.SmoothNoise(r, 30 * s, 0.1);
        var count = (int)(c.Width * c.Height / (900 * s * s) * Range(r, 0.4, 0.7));
        for (var i = 0; i < count; i++)
        {
            var radius = Range(r, 6, 22) * s;
            c.Ellipse(Range(r, 0, c.Width), Range(r, 0, c.Height), radius, radius * Range(r, 0.5, 1.0), Range(r, 0, Math.PI), 0.1, softness: 3 * s, rim: 0.2, rimWidth: 3 * s);
        }
    }

    private static void Tip(Canvas c, Random r, double s)
    {
        c.Fill(0.1);
        c.SmoothNoise(r, 150, 0.04);
        var apexX = c.Width * Range(r, 0.3, 0.7);
        var apexY = c.Height * Range(r, 0.15, 0.45);
        var halfWidth = c.Width * Range(r, 0.2, 0.4) * Math.Min(1.3, s);
        var fromTop = r.Next(2) == 0;
        var baseY = fromTop ? 0 : c.Height;
        if (fromTop)
        {
            apexY = c.Height * Range(r, 0.55, 0.85);
        }

        c.Triangle(apexX, apexY, apexX - halfWidth, baseY, apexX + halfWidth, baseY, 0.45, 0.85);
        c.Ellipse(apexX, apexY, 4 * s, 4 * s, 0, 0.95, softness: 2);
    }

    private static void Film(Canvas c, Random r, double s)
    {
        c.Fill(0.5);
        c.Grain(r, 2.5 * s, 0.12);
        if (r.Next(2) == 0)
        {
            var cracks = r.Next(1, 4);
            for (var i = 0; i < cracks; i++)
            {
                var x = Range(r, 0, c.Width);
                var y = Range(r, 0, c.Height);
                var direction = Range(r, 0, Math.PI * 2);
                for (var k = 0; k < 30; k++)
                {
                    direction += Range(r, -0.4, 0.4);
                    var nx = x + (Math.Cos(direction) * 20 * s);
                    var ny = y + (Math.Sin(direction) * 20 * s);
                    c.Line(x, y, nx, ny, 2 * s, 0.15, edge: 0);
                    x = nx;
                    y = ny;
                }
            }
        }
    }

    private static void Nanowires(Canvas c, Random r, double s)
    {
        // A forest seen at a tilt: thin bright wires, all leaning about the same way, over a grainy dark substrate.
        c.Fill(0.12);
        c.Grain(r, 3 * s, 0.06);
        var tilt = Range(r, -0.8, 0.8);
        var count = (int)(r.Next(120, 260) * c.Width / 1024.0 * c.Height / 700.0);
        for (var i = 0; i < count; i++)
        {
            var x = Range(r, -50, c.Width + 50);
            var bottom = Range(r, 0, c.Height * 1.2);
            var length = Range(r, 0.05, 0.4) * c.Height;
            var angle = tilt + Range(r, -0.1, 0.1);
            var topX = x + (Math.Sin(angle) * length);
            var topY = bottom - (Math.Cos(angle) * length);
            var thickness = Range(r, 2, 4.5) * s;
            c.Line(x, bottom, topX, topY, thickness, Range(r, 0.5, 0.9), edge: 0.25);
            c.Ellipse(topX, topY, thickness * 0.8, thickness * 0.8, 0, 0.95, softness: 1);
        }
    }

    private static void Patterned(Canvas c, Random r, double s)
    {
        c.Fill(0.3);
        var period = Range(r, 22, 45) * s;
        var angle = Range(r, -0.2, 0.2);
        var cos = Math.Cos(angle);
        var sin = Math.Sin(angle);
        var kind = r.Next(3);
        var radius = period * Range(r, 0.2, 0.35);
        var value = kind == 1 ? 0.08 : 0.8;
        var n = (int)(Math.Max(c.Width, c.Height) * 1.5 / period);
        if (kind == 2)
        {
            // Parallel lines (a grating).
            for (var i = -n; i <= n; i++)
            {
                var ox = (c.Width / 2.0) + (i * period * cos);
                var oy = (c.Height / 2.0) + (i * period * sin);
                c.Line(ox - (sin * c.Width * 2), oy + (cos * c.Width * 2), ox + (sin * c.Width * 2), oy - (cos * c.Width * 2), period * 0.4, 0.75, edge: 0.15);
            }

            return;
        }

        for (var i = -n; i <= n; i++)
        {
            for (var j = -n; j <= n; j++)
            {
                var x = (c.Width / 2.0) + (i * period * cos) - (j * period * sin);
                var y = (c.Height / 2.0) + (i * period * sin) + (j * period * cos);
                if (x < -period || y < -period || x > c.Width + period || y > c.Height + period)
                {
                    continue;
                }

                c.Ellipse(x, y, radius, radius, 0, value, softness: 1.5, rim: 0.15, rimWidth: 2 * s);
            }
        }
    }

    private static void Powder(Canvas c, Random r, double s)
    {
        c.Fill(0.1);
        var count = (int)(c.Width * c.Height / (700 * s * s) * Range(r, 0.5, 0.8));
        for (var i = 0; i < count; i++)
        {
            // Clumps: a log-normal spread of sizes, irregular outlines from overlapping ellipses.
            var size = Math.Exp(Range(r, Math.Log(3), Math.Log(30))) * s;
            var cx = Range(r, 0, c.Width);
            var cy = Range(r, 0, c.Height);
            var value = Range(r, 0.4, 0.9);
            for (var k = 0; k < 3; k++)
            {
                c.Ellipse(cx + Range(r, -size, size) * 0.6, cy + Range(r, -size, size) * 0.6, size * Range(r, 0.5, 1), size * Range(r, 0.3, 0.8), Range(r, 0, Math.PI), value, softness: 1, rim: 0.12, rimWidth: 1.5 * s);
            }
        }
    }

    /// <summary>A dark band with rows of text-like marks, a framed scale bar and a logo block.</summary>
    private static void InfoBar(GrayImage image, int top, Random random)
    {
        var width = image.Width;
        var height = image.Height - top;
        var background = random.Next(3) == 0 ? 0.01f : 0.99f;
        var ink = 1f - background;
        for (var y = top; y < image.Height; y++)
        {
            image.Row(y).Fill(background);
        }

        var glyph = Math.Max(2, height / 5);
        for (var line = 0; line < 2; line++)
        {
            var y0 = top + (height / 6) + (line * height / 2);
            var x = width / 3;
            while (x < width - glyph * 2)
            {
                var w = glyph * random.Next(1, 3) / 2;
                for (var yy = y0; yy < Math.Min(image.Height, y0 + glyph); yy++)
                {
                    for (var xx = x; xx < Math.Min(width, x + w); xx++)
                    {
                        image[xx, yy] = ink;
                    }
                }

                x += w + (glyph / 2) + (random.Next(6) == 0 ? glyph * 2 : 0);
            }
        }

        var barLength = width / random.Next(6, 10);
        var barY = top + (height / 2);
        for (var yy = barY; yy < Math.Min(image.Height, barY + Math.Max(2, height / 10)); yy++)
        {
            for (var xx = width / 20; xx < (width / 20) + barLength; xx++)
            {
                image[xx, yy] = ink;
            }
        }
    }

    /// <summary>A float drawing surface with soft-edged primitives (coverage from signed distance).</summary>
    private sealed class Canvas(int width, int height)
    {
        private float[] _pixels = new float[width * height];

        public int Width { get; } = width;

        public int Height { get; } = height;

        public float this[int x, int y] => _pixels[(y * Width) + x];

        public void Fill(double value) => _pixels.AsSpan().Fill((float)value);

        /// <summary>Adds smooth noise of correlation length <paramref name="length"/> px (bilinear over a coarse random grid).</summary>
        public void SmoothNoise(Random random, double length, double amplitude)
        {
            var step = Math.Max(4, length);
            var gw = (int)(Width / step) + 2;
            var gh = (int)(Height / step) + 2;
            var grid = new double[gw * gh];
            for (var i = 0; i < grid.Length; i++)
            {
                grid[i] = (random.NextDouble() * 2) - 1;
            }

            for (var y = 0; y < Height; y++)
            {
                var gy = y / step;
                var iy = (int)gy;
                var fy = gy - iy;
                for (var x = 0; x < Width; x++)
                {
                    var gx = x / step;
                    var ix = (int)gx;
                    var fx = gx - ix;
                    var v = (grid[(iy * gw) + ix] * (1 - fx) * (1 - fy)) + (grid[(iy * gw) + ix + 1] * fx * (1 - fy))
                        + (grid[((iy + 1) * gw) + ix] * (1 - fx) * fy) + (grid[((iy + 1) * gw) + ix + 1] * fx * fy);
                    _pixels[(y * Width) + x] += (float)(v * amplitude);
                }
            }
        }

        /// <summary>Fine granular texture: white noise blurred to grain size <paramref name="grain"/> px, normalised to <paramref name="amplitude"/>.</summary>
        public void Grain(Random random, double grain, double amplitude)
        {
            var noise = new float[_pixels.Length];
            for (var i = 0; i < noise.Length; i++)
            {
                noise[i] = (float)Gaussian(random);
            }

            var blurred = BlurArray(noise, Width, Height, grain);
            double sq = 0;
            foreach (var v in blurred)
            {
                sq += v * v;
            }

            var scale = amplitude / Math.Sqrt(sq / blurred.Length + 1e-12);
            for (var i = 0; i < _pixels.Length; i++)
            {
                _pixels[i] += (float)(blurred[i] * scale);
            }
        }

        public void Blur(double sigma) => _pixels = BlurArray(_pixels, Width, Height, sigma);

        /// <summary>A filled, rotated ellipse with a soft edge and an optional bright rim (secondary-electron edge effect).</summary>
        public void Ellipse(double cx, double cy, double rx, double ry, double angle, double value, double softness, double rim = 0, double rimWidth = 1)
        {
            var extent = Math.Max(rx, ry) + softness + 1;
            var cos = Math.Cos(angle);
            var sin = Math.Sin(angle);
            var scale = Math.Min(rx, ry);
            Paint(cx - extent, cy - extent, cx + extent, cy + extent, (x, y) =>
            {
                var dx = x - cx;
                var dy = y - cy;
                var u = ((dx * cos) + (dy * sin)) / rx;
                var v = ((-dx * sin) + (dy * cos)) / ry;
                return (Math.Sqrt((u * u) + (v * v)) - 1) * scale;
            }, value, softness, rim, rimWidth);
        }

        public void Line(double x0, double y0, double x1, double y1, double thickness, double value, double edge)
        {
            var extent = thickness + 2;
            var dx = x1 - x0;
            var dy = y1 - y0;
            var length2 = Math.Max((dx * dx) + (dy * dy), 1e-9);
            Paint(Math.Min(x0, x1) - extent, Math.Min(y0, y1) - extent, Math.Max(x0, x1) + extent, Math.Max(y0, y1) + extent, (x, y) =>
            {
                var t = Math.Clamp((((x - x0) * dx) + ((y - y0) * dy)) / length2, 0, 1);
                var px = x0 + (t * dx) - x;
                var py = y0 + (t * dy) - y;
                return Math.Sqrt((px * px) + (py * py)) - (thickness / 2);
            }, value, 1, edge, Math.Max(1, thickness / 4));
        }

        public void Rect(double x, double y, double w, double h, double value, double edge) =>
            Paint(x - 2, y - 2, x + w + 2, y + h + 2, (px, py) =>
            {
                var dx = Math.Max(x - px, px - (x + w));
                var dy = Math.Max(y - py, py - (y + h));
                return Math.Max(dx, dy);
            }, value, 1, edge, 3);

        /// <summary>A triangle shaded from <paramref name="baseValue"/> at the base to <paramref name="apexValue"/> at the first vertex.</summary>
        public void Triangle(double ax, double ay, double bx, double by, double cx, double cy, double baseValue, double apexValue)
        {
            var minX = Math.Min(ax, Math.Min(bx, cx));
            var maxX = Math.Max(ax, Math.Max(bx, cx));
            var minY = Math.Min(ay, Math.Min(by, cy));
            var maxY = Math.Max(ay, Math.Max(by, cy));
            var span = Math.Max(1, Math.Abs(ay - by));
            for (var y = Math.Max(0, (int)minY); y < Math.Min(Height, (int)Math.Ceiling(maxY)); y++)
            {
                for (var x = Math.Max(0, (int)minX); x < Math.Min(Width, (int)Math.Ceiling(maxX)); x++)
                {
                    var d1 = Side(x, y, ax, ay, bx, by);
                    var d2 = Side(x, y, bx, by, cx, cy);
                    var d3 = Side(x, y, cx, cy, ax, ay);
                    var inside = (d1 >= 0 && d2 >= 0 && d3 >= 0) || (d1 <= 0 && d2 <= 0 && d3 <= 0);
                    if (inside)
                    {
                        var t = Math.Clamp(Math.Abs(y - by) / span, 0, 1);
                        var edgeDistance = Math.Min(Math.Abs(d1), Math.Abs(d3));
                        var v = baseValue + ((apexValue - baseValue) * t) + (edgeDistance < 4 ? 0.2 : 0);
                        _pixels[(y * Width) + x] = (float)v;
                    }
                }
            }
        }

        private static double Side(double px, double py, double ax, double ay, double bx, double by)
        {
            var length = Math.Sqrt(((bx - ax) * (bx - ax)) + ((by - ay) * (by - ay)));
            return (((bx - ax) * (py - ay)) - ((by - ay) * (px - ax))) / Math.Max(length, 1e-9);
        }

        /// <summary>Blends <paramref name="value"/> over the box where the signed distance is negative, softly over <paramref name="softness"/> px, with a rim just inside the edge.</summary>
        private void Paint(double x0, double y0, double x1, double y1, Func<double, double, double> distance, double value, double softness, double rim, double rimWidth)
        {
            var xa = Math.Max(0, (int)Math.Floor(x0));
            var xb = Math.Min(Width - 1, (int)Math.Ceiling(x1));
            var ya = Math.Max(0, (int)Math.Floor(y0));
            var yb = Math.Min(Height - 1, (int)Math.Ceiling(y1));
            for (var y = ya; y <= yb; y++)
            {
                for (var x = xa; x <= xb; x++)
                {
                    var d = distance(x, y);
                    if (d > softness)
                    {
                        continue;
                    }

                    var coverage = Math.Clamp(0.5 - (d / Math.Max(softness, 1e-6)), 0, 1);
                    var v = value + (rim > 0 && d > -rimWidth ? rim : 0);
                    var i = (y * Width) + x;
                    _pixels[i] = (float)((_pixels[i] * (1 - coverage)) + (v * coverage));
                }
            }
        }

        private static float[] BlurArray(float[] source, int width, int height, double sigma)
        {
            var image = new GrayImage(width, height, source);
            if (sigma < 0.3)
            {
                return source;
            }

            // Three box blurs approximate a Gaussian of the same sigma.
            var box = Math.Max(1, (int)Math.Round(Math.Sqrt((4 * sigma * sigma) + 1)));
            var current = image.Pixels;
            for (var pass = 0; pass < 3; pass++)
            {
                current = BoxBlur(current, width, height, box / 2);
            }

            return current;
        }

        private static float[] BoxBlur(float[] source, int width, int height, int radius)
        {
            if (radius < 1)
            {
                return source;
            }

            var temp = new float[source.Length];
            var output = new float[source.Length];
            var norm = 1f / ((2 * radius) + 1);
            for (var y = 0; y < height; y++)
            {
                var row = y * width;
                float acc = 0;
                for (var k = -radius; k <= radius; k++)
                {
                    acc += source[row + Math.Clamp(k, 0, width - 1)];
                }

                for (var x = 0; x < width; x++)
                {
                    temp[row + x] = acc * norm;
                    acc += source[row + Math.Min(x + radius + 1, width - 1)] - source[row + Math.Max(x - radius, 0)];
                }
            }

            for (var x = 0; x < width; x++)
            {
                float acc = 0;
                for (var k = -radius; k <= radius; k++)
                {
                    acc += temp[(Math.Clamp(k, 0, height - 1) * width) + x];
                }

                for (var y = 0; y < height; y++)
                {
                    output[(y * width) + x] = acc * norm;
                    acc += temp[(Math.Min(y + radius + 1, height - 1) * width) + x] - temp[(Math.Max(y - radius, 0) * width) + x];
                }
            }

            return output;
        }
    }
}
