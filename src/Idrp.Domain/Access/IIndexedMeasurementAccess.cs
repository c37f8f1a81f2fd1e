using Idrp.Domain.Model;

namespace Idrp.Domain.Access;

/// <summary>
/// A copy of what <see cref="AccessRules.CanReadMeasurement"/> reads of a measurement, kept on rows indexed per
/// measurement (search documents) and rewritten in the same transaction as every change to the measurement, so that
/// a large list can apply the access rule with plain column tests (<see cref="AccessRules.CanReadIndexed{T}"/>)
/// instead of joining the measurement and its proposal for every candidate row.
/// </summary>
public interface IIndexedMeasurementAccess
{
    Guid MeasurementId { get; }

    Guid ProposalId { get; }

    Visibility Visibility { get; }

    /// <summary>From when anyone may read the measurement (<see cref="AccessRules.PublicFrom"/>); null while it is not public.</summary>
    DateTimeOffset? PublicFrom { get; }

    bool SharedWithSignedInUsers { get; }
}
