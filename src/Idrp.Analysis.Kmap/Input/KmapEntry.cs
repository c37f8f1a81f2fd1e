namespace Idrp.Analysis.Kmap.Input;

/// <summary>
/// One rocking angle of a KMAP: the frames of every scan point recorded at one diffractometer setting.
/// </summary>
/// <param name="Name">Entry name (X-SOCS merged layout: link name in the master file; BLISS: scan name).</param>
/// <param name="Geometry">Angles, energy and detector calibration of this entry.</param>
/// <param name="ImageDataset">Path of the (points, rows, columns) frame dataset, relative to the file opened by <see cref="KmapDataset"/>.</param>
/// <param name="FirstFrame">Index in <paramref name="ImageDataset"/> of the frame of scan point 0; point k is frame FirstFrame + k.</param>
/// <param name="Monitor">Monitor counts per scan point, or null when the entry has none.</param>
public sealed record KmapEntry(
    string Name,
    KmapGeometry Geometry,
    string ImageDataset,
    int FirstFrame,
    double[]? Monitor)
{
    /// <summary>Chunk locations for the fast frame path, or null when PureHDF reads the frames.</summary>
    internal Hdf5.ChunkIndex? Chunks { get; init; }
}
