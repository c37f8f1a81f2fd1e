namespace Idrp.Analysis.Kmap.QSpace;

/// <summary>Cubes to fit: a Q-space file (<see cref="QSpaceH5File"/>) or an in-memory conversion (<see cref="InMemoryQSpace"/>).</summary>
public interface IQSpaceSource
{
    QSpaceLayout Layout { get; }

    /// <summary>True when <see cref="ReadCube"/> may be called from several threads at once.</summary>
    bool SupportsConcurrentReads { get; }

    /// <summary>Copies the cube of <paramref name="slot"/> into <paramref name="destination"/> (Grid.BinCount long). Implementations say whether they are thread-safe.</summary>
    void ReadCube(int slot, Span<float> destination);
}
