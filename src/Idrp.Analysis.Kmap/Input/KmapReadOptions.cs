namespace Idrp.Analysis.Kmap.Input;

/// <summary>Where sample positions and monitor live in an entry, relative to the entry group.</summary>
public sealed record KmapReadOptions
{
    /// <summary>
    /// Sample x (fast motor pix, micrometres). ID01 wires pix to the ADC channel named adcY, hence the default,
    /// the same as X-SOCS' merge.
    /// </summary>
    public string SampleXDataset { get; init; } = "measurement/adcY";

    /// <summary>Sample y (slow motor piy, micrometres), wired to adcX at ID01.</summary>
    public string SampleYDataset { get; init; } = "measurement/adcX";

    /// <summary>Monitor counts per point.</summary>
    public string MonitorDataset { get; init; } = "measurement/mon";

    public static KmapReadOptions Default { get; } = new();
}
