namespace Idrp.Analysis.Kmap.Input;

/// <summary>
/// Diffractometer and detector settings of one KMAP entry (one rocking angle), in the ID01 convention
/// used by X-SOCS and xrayutilities: sample circles eta ('y-', outer) and phi ('z-', inner), detector
/// circles nu ('z-', outer) and delta ('y-', inner), primary beam along +x.
/// </summary>
/// <param name="Eta">Sample circle eta in degrees.</param>
/// <param name="Phi">Sample circle phi in degrees.</param>
/// <param name="Nu">Detector circle nu in degrees.</param>
/// <param name="Delta">Detector circle delta in degrees.</param>
/// <param name="BeamEnergy">Photon energy in eV.</param>
/// <param name="CenterChannel">Direct-beam pixel at all detector angles zero, (dim0 = row, dim1 = column).</param>
/// <param name="ChannelsPerDegree">Pixels per degree along (dim0, dim1), i.e. distance * tan(1 deg) / pixel size.</param>
/// <param name="DetectorShape">Frame shape (rows, columns).</param>
/// <param name="RoiOffset">Offset of pixel (0, 0) of the stored frame on the full detector (rows, columns).</param>
public sealed record KmapGeometry(
    double Eta,
    double Phi,
    double Nu,
    double Delta,
    double BeamEnergy,
    (double Dim0, double Dim1) CenterChannel,
    (double Dim0, double Dim1) ChannelsPerDegree,
    (int Rows, int Columns) DetectorShape,
    (int Rows, int Columns) RoiOffset = default)
{
    /// <summary>hc in eV * Angstrom (CODATA 2018), as xrayutilities.</summary>
    public const double HcEvAngstrom = 12398.419843320026;

    /// <summary>Wavelength in Angstrom.</summary>
    public double Wavelength => HcEvAngstrom / BeamEnergy;

    /// <summary>Wave number 2 pi / lambda in 1/Angstrom.</summary>
    public double WaveNumber => 2 * Math.PI * BeamEnergy / HcEvAngstrom;
}
