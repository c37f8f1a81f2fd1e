using System.Linq.Expressions;
using Idrp.Domain.Model;

namespace Idrp.Domain.Access;

/// <summary>
/// The access model, in one place, as query predicates: a record is listed, searched, read or
/// downloaded only when its predicate holds, and the same predicates serve single reads and lists,
/// so a record nobody may read behaves exactly like one that does not exist.
/// </summary>
/// <remarks>
/// Rules: admins read everything. Proposal insiders (members, the PI, and staff of a facility the
/// proposal is at) read everything of the proposal. Others read a measurement (and its data assets)
/// when it is shared or public and they are named in its shares or it is shared with all signed-in
/// users, or when it is public and its embargo (if any) has passed. A proposal, experiment or sample
/// is readable by others when one of its measurements is.
/// The predicates are plain LINQ expressions so that EF Core translates them to SQL (SQLite and PostgreSQL).
/// </remarks>
public sealed class AccessRules
{
    private readonly Actor _actor;
    private readonly DateTimeOffset _now;

    public AccessRules(Actor actor, DateTimeOffset now)
    {
        _actor = actor;
        _now = now;
    }

    public Actor Actor => _actor;

    /// <summary>Member, PI or staff of one of the proposal's facilities.</summary>
    public Expression<Func<Proposal, bool>> IsInsider()
    {
        if (_actor.IsAdmin)
        {
            return _ => true;
        }

        if (_actor.PersonId is not { } pid)
        {
            return _ => false;
        }

        return p => p.Members.Any(x => x.PersonId == pid)
            || p.Facilities.Any(f => f.Facility!.Staff.Any(s => s.PersonId == pid));
    }

    /// <summary>A measurement visible to the actor without being an insider: shared with them, or public after embargo.</summary>
    public Expression<Func<Measurement, bool>> IsVisibleOutside()
    {
        var now = _now;
        if (_actor.PersonId is not { } pid)
        {
            return m => m.Visibility == Visibility.Public && (m.EmbargoUntil == null || m.EmbargoUntil <= now);
        }

        return m => (m.Visibility != Visibility.Private && (m.SharedWithSignedInUsers || m.Shares.Any(s => s.PersonId == pid)))
            || (m.Visibility == Visibility.Public && (m.EmbargoUntil == null || m.EmbargoUntil <= now));
    }

    public Expression<Func<Proposal, bool>> CanReadProposal()
    {
        if (_actor.IsAdmin)
        {
            return _ => true;
        }

        return IsInsider().Or(p => p.Measurements.AsQueryable().Any(IsVisibleOutside()));
    }

    public Expression<Func<Experiment, bool>> CanReadExperiment()
    {
        if (_actor.IsAdmin)
        {
            return _ => true;
        }

        var outside = IsVisibleOutside();
        return IsInsider().Over<Experiment, Proposal>(e => e.Proposal!)
            .Or(e => e.Measurements.AsQueryable().Any(outside));
    }

    public Expression<Func<Sample, bool>> CanReadSample()
    {
        if (_actor.IsAdmin)
        {
            return _ => true;
        }

        var outside = IsVisibleOutside();
        return IsInsider().Over<Sample, Proposal>(s => s.Proposal!)
            .Or(s => s.Measurements.AsQueryable().Any(outside));
    }

    public Expression<Func<Measurement, bool>> CanReadMeasurement()
    {
        if (_actor.IsAdmin)
        {
            return _ => true;
        }

        return IsInsider().Over<Measurement, Proposal>(m => m.Proposal!).Or(IsVisibleOutside());
    }

    /// <summary>
    /// <see cref="CanReadMeasurement"/> over a copy of the measurement's access facts (<see cref="IIndexedMeasurementAccess"/>).
    /// The caller first resolves <paramref name="insiderProposals"/> (the ids <see cref="IsInsider"/> yields; null for an
    /// admin) and passes the ids of the measurements shared with the actor as a query, so that the predicate is an
    /// <c>OR</c> of column tests and two uncorrelated <c>IN</c> lists, which both databases evaluate once per query
    /// rather than once per row. Same rule, term by term: insider, or shared (named or all signed-in users) and not
    /// private, or public with its embargo passed.
    /// </summary>
    public Expression<Func<T, bool>> CanReadIndexed<T>(IReadOnlyCollection<Guid>? insiderProposals, IQueryable<Guid> sharedWithActor)
        where T : IIndexedMeasurementAccess
    {
        if (_actor.IsAdmin)
        {
            return _ => true;
        }

        var now = _now;
        if (_actor.PersonId is null)
        {
            return d => d.PublicFrom <= now;
        }

        var insider = insiderProposals ?? [];
        return d => insider.Contains(d.ProposalId)
            || d.PublicFrom <= now
            || (d.Visibility != Visibility.Private && (d.SharedWithSignedInUsers || sharedWithActor.Contains(d.MeasurementId)));
    }

    /// <summary>
    /// <see cref="CanReadIndexed{T}"/> as separate terms, a record being readable when any one holds: for a database that
    /// answers each term from an index of its own and unites the results (PostgreSQL's text search, whose partial text
    /// indexes hold the public rows and the rows shared with every signed-in user). One term for an admin or an
    /// anonymous caller; no insider term when the actor is an insider of nothing.
    /// </summary>
    public IReadOnlyList<Expression<Func<T, bool>>> CanReadIndexedTerms<T>(IReadOnlyCollection<Guid>? insiderProposals, IQueryable<Guid> sharedWithActor)
        where T : IIndexedMeasurementAccess
    {
        if (_actor.IsAdmin)
        {
            return [_ => true];
        }

        var now = _now;
        Expression<Func<T, bool>> isPublic = d => d.PublicFrom <= now;
        if (_actor.PersonId is null)
        {
            return [isPublic];
        }

        var terms = new List<Expression<Func<T, bool>>>();
        if (insiderProposals is { Count: > 0 } insider)
        {
            terms.Add(d => insider.Contains(d.ProposalId));
        }

        terms.Add(isPublic);
        terms.Add(d => d.Visibility != Visibility.Private && d.SharedWithSignedInUsers);
        terms.Add(d => d.Visibility != Visibility.Private && sharedWithActor.Contains(d.MeasurementId));
        return terms;
    }

    /// <summary>
    /// The instant from which a measurement is public for everyone: the end of its embargo, or the Unix epoch when it has
    /// none (any instant before now would do); null while it is not public. What <see cref="IsVisibleOutside"/>'s public
    /// term reads as one comparable column.
    /// </summary>
    public static DateTimeOffset? PublicFrom(Visibility visibility, DateTimeOffset? embargoUntil) =>
        visibility == Visibility.Public ? embargoUntil ?? DateTimeOffset.UnixEpoch : null;

    public Expression<Func<DataAsset, bool>> CanReadDataAsset()
    {
        if (_actor.IsAdmin)
        {
            return _ => true;
        }

        return CanReadMeasurement().Over<DataAsset, Measurement>(a => a.Measurement!);
    }

    /// <summary>Provenance is visible where its output is: an insider of the output's proposal, or whoever may read the output.</summary>
    public Expression<Func<Derivation, bool>> CanReadDerivation()
    {
        if (_actor.IsAdmin)
        {
            return _ => true;
        }

        var insider = IsInsider().Over<Derivation, Proposal>(d => d.Proposal!);
        var outside = IsVisibleOutside();
        var viaMeasurement = outside.Over<Derivation, Measurement>(d => d.OutputMeasurement!);
        var viaAsset = outside.Over<Derivation, Measurement>(d => d.OutputAsset!.Measurement!);
        return insider.Or(viaMeasurement).Or(viaAsset);
    }

    /// <summary>The actor's access to one proposal, from its membership and staff rows.</summary>
    public ProposalAccess AccessFrom(ProposalRole? membership, bool isFacilityStaff)
    {
        if (_actor.IsAdmin || isFacilityStaff || membership == ProposalRole.PrincipalInvestigator)
        {
            return ProposalAccess.Manager;
        }

        return membership == ProposalRole.Member ? ProposalAccess.Member : ProposalAccess.None;
    }
}
