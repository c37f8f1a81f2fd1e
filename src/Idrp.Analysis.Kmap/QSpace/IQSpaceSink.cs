namespace Idrp.Analysis.Kmap.QSpace;

/// <summary>Description of a conversion, handed to a sink before the first cube.</summary>
/// <param name="Grid">The Q grid.</param>
/// <param name="Hits">Pixels (summed over entries) that fall in each bin, the same for every scan point.</param>
/// <param name="PointIndices">Scan point of each output slot (all points, or those inside the sample ROI).</param>
/// <param name="SampleX">Sample x of each slot, micrometres.</param>
/// <param name="SampleY">Sample y of each slot, micrometres.</param>
/// <param name="Centroids">
/// Mean Q of the pixels that fall in each bin, (qx, qy, qz) per bin (3 * BinCount, 1/Angstrom); the bin centre where a
/// bin has no hit. Pixels do not fill a bin evenly (whole detector columns, one Ewald surface per rocking angle), and
/// using where they really are instead of the bin centre removes most of the binning bias of a fitted peak centre.
/// </param>
public sealed record QSpaceLayout(QSpaceGrid Grid, float[] Hits, int[] PointIndices, double[] SampleX, double[] SampleY, double[] Centroids);

/// <summary>
/// Receives the Q-space cube of each scan point. Two implementations: <see cref="QSpaceH5Writer"/> (an HDF5 file)
/// and <see cref="InMemoryQSpace"/> (tests, and fitting without a file).
/// </summary>
public interface IQSpaceSink
{
    void Begin(QSpaceLayout layout);

    /// <summary>Called from worker threads, in any slot order, once per slot; must be thread-safe. The span is only valid during the call.</summary>
    /// <param name="cube">Summed counts per bin (monitor-scaled when asked), C order (Nx, Ny, Nz).</param>
    void Write(int slot, ReadOnlySpan<float> cube);

    void Complete();
}
