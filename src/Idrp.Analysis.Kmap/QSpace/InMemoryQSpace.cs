namespace Idrp.Analysis.Kmap.QSpace;

/// <summary>Keeps every cube in memory; for small conversions and tests (memory grows with the number of points).</summary>
public sealed class InMemoryQSpace : IQSpaceSink, IQSpaceSource
{
    private float[][] _cubes = [];

    public QSpaceLayout Layout { get; private set; } = null!;

    /// <summary>Reads are copies out of arrays written before; concurrent reads are safe once conversion is complete.</summary>
    public bool SupportsConcurrentReads => true;

    public void Begin(QSpaceLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        Layout = layout;
        _cubes = new float[layout.PointIndices.Length][];
    }

    public void Write(int slot, ReadOnlySpan<float> cube) => _cubes[slot] = cube.ToArray();

    public void Complete()
    {
    }

    public void ReadCube(int slot, Span<float> destination) => _cubes[slot].CopyTo(destination);
}
