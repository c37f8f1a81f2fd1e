namespace Idrp.Analysis.Kmap.QSpace;

/// <summary>An axis-aligned box in Q (sample frame, 1/Angstrom); bounds inclusive.</summary>
public readonly record struct QBox(double XMin, double XMax, double YMin, double YMax, double ZMin, double ZMax)
{
    public bool Contains(double x, double y, double z) =>
        x >= XMin && x <= XMax && y >= YMin && y <= YMax && z >= ZMin && z <= ZMax;
}

/// <summary>
/// A regular grid over a <see cref="QBox"/>: Shape bins per axis, each Step wide. Bin (i, j, l) covers
/// [Min + i Step, Min + (i + 1) Step) (the upper bound of the last bin is inclusive); flat index is
/// (i * Ny + j) * Nz + l, the C order of an (Nx, Ny, Nz) cube. Immutable.
/// </summary>
public sealed record QSpaceGrid(QBox Box, (int X, int Y, int Z) Shape)
{
    public int BinCount => Shape.X * Shape.Y * Shape.Z;

    public (double X, double Y, double Z) Step => (
        (Box.XMax - Box.XMin) / Shape.X,
        (Box.YMax - Box.YMin) / Shape.Y,
        (Box.ZMax - Box.ZMin) / Shape.Z);

    /// <summary>Bin centres along x (1/Angstrom).</summary>
    public double[] AxisX => Centres(Box.XMin, Step.X, Shape.X);

    public double[] AxisY => Centres(Box.YMin, Step.Y, Shape.Y);

    public double[] AxisZ => Centres(Box.ZMin, Step.Z, Shape.Z);

    /// <summary>Flat bin index of a Q vector, or -1 outside the box.</summary>
    public int BinOf(double x, double y, double z)
    {
        if (!Box.Contains(x, y, z))
        {
            return -1;
        }

        var (sx, sy, sz) = Step;
        var i = Math.Min((int)((x - Box.XMin) / sx), Shape.X - 1);
        var j = Math.Min((int)((y - Box.YMin) / sy), Shape.Y - 1);
        var l = Math.Min((int)((z - Box.ZMin) / sz), Shape.Z - 1);
        return (((i * Shape.Y) + j) * Shape.Z) + l;
    }

    private static double[] Centres(double min, double step, int n)
    {
        var a = new double[n];
        for (var i = 0; i < n; i++)
        {
            a[i] = min + ((i + 0.5) * step);
        }

        return a;
    }
}
