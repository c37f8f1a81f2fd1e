namespace Idrp.Domain.Model;

/// <summary>A research facility (e.g. CNR-IOM) that hosts instruments and proposals.</summary>
public sealed class Facility : Entity
{
    /// <summary>Short unique code, e.g. "CNR-IOM".</summary>
    public required string Code { get; set; }

    public required string Name { get; set; }

    public string? Description { get; set; }

    public string? Country { get; set; }

    public string? Url { get; set; }

    public List<FacilityStaff> Staff { get; set; } = [];
}

/// <summary>A person who works for a facility and may act on every proposal hosted there.</summary>
public sealed class FacilityStaff
{
    public Guid FacilityId { get; set; }

    public Guid PersonId { get; set; }

    public Facility? Facility { get; set; }

    public Person? Person { get; set; }
}

/// <summary>An instrument of a facility; its technique (SEM, STM, XRD-KMAP, ...) classifies measurements.</summary>
public sealed class Instrument : Entity
{
    public Guid FacilityId { get; set; }

    public Facility? Facility { get; set; }

    public required string Name { get; set; }

    public required string Technique { get; set; }

    public string? Description { get; set; }

    public string? Manufacturer { get; set; }

    public string? Model { get; set; }
}
