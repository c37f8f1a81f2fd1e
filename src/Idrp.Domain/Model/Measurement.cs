namespace Idrp.Domain.Model;

public enum Visibility
{
    /// <summary>Proposal members, staff of the proposal's facilities and admins.</summary>
    Private,

    /// <summary>As private, plus the people it is shared with (or every signed-in user).</summary>
    Shared,

    /// <summary>Anyone, once the embargo (if any) has passed; until then as shared.</summary>
    Public,
}

/// <summary>
/// One measurement: the unit that is registered, shared, analysed and published (NFFA model names:
/// measurementName, measurementDescription).
/// </summary>
public sealed class Measurement : Entity, IProposalScoped
{
    public Guid ExperimentId { get; set; }

    public Experiment? Experiment { get; set; }

    /// <summary>Copied from the experiment so that access checks need no join.</summary>
    public Guid ProposalId { get; set; }

    public Proposal? Proposal { get; set; }

    public Guid? SampleId { get; set; }

    public Sample? Sample { get; set; }

    public Guid? InstrumentId { get; set; }

    public Instrument? Instrument { get; set; }

    public required string MeasurementName { get; set; }

    public string? MeasurementDescription { get; set; }

    public string? Technique { get; set; }

    public DateTimeOffset? DateOfCollection { get; set; }

    public List<InstrumentSetting> Settings { get; set; } = [];

    public List<string> Keywords { get; set; } = [];

    public List<CategoryTag> Categories { get; set; } = [];

    public Visibility Visibility { get; set; }

    /// <summary>Until this instant a public measurement is only visible as if shared.</summary>
    public DateTimeOffset? EmbargoUntil { get; set; }

    /// <summary>When shared: every signed-in user may read it, not only the named people.</summary>
    public bool SharedWithSignedInUsers { get; set; }

    /// <summary>SPDX licence identifier, e.g. CC-BY-4.0.</summary>
    public string? Licence { get; set; }

    public List<MeasurementShare> Shares { get; set; } = [];

    public List<DataAsset> DataAssets { get; set; } = [];
}

public enum SettingKind
{
    Text,
    Number,
    Boolean,
}

/// <summary>
/// One instrument setting as key, value and unit, e.g. EHT = 5 kV. The value keeps its text and kind as
/// given ("0012" stays text); values that read as numbers are also kept as a number, so that they can be
/// filtered by range.
/// </summary>
public sealed class InstrumentSetting
{
    public required string Key { get; set; }

    public required string Value { get; set; }

    public SettingKind Kind { get; set; }

    public double? NumericValue { get; set; }

    public string? Unit { get; set; }
}

/// <summary>A category assigned to a measurement (e.g. an SEM category) with where it came from.</summary>
public sealed class CategoryTag
{
    /// <summary>The vocabulary, e.g. "sem-category".</summary>
    public required string Scheme { get; set; }

    public required string Value { get; set; }

    /// <summary>"person:&lt;id&gt;" or "model:&lt;name&gt;@&lt;version&gt;".</summary>
    public required string Source { get; set; }

    public double? Confidence { get; set; }
}

public sealed class MeasurementShare
{
    public Guid MeasurementId { get; set; }

    public Guid PersonId { get; set; }

    public Measurement? Measurement { get; set; }

    public Person? Person { get; set; }
}
