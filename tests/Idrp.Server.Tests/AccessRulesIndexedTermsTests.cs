using Idrp.Domain.Access;
using Idrp.Domain.Model;

namespace Idrp.Server.Tests;

/// <summary>
/// <see cref="AccessRules.CanReadIndexedTerms{T}"/> against <see cref="AccessRules.CanReadIndexed{T}"/>: for every
/// combination of the access facts a row can carry, and every kind of reader, a row is readable by one term exactly
/// when the whole rule reads it. (The rule itself is tested through the API by <see cref="AccessMatrixTests"/>.)
/// </summary>
public sealed class AccessRulesIndexedTermsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly Guid InsiderProposal = Guid.NewGuid();
    private static readonly Guid OtherProposal = Guid.NewGuid();
    private static readonly Guid SharedMeasurement = Guid.NewGuid();
    private static readonly Guid OtherMeasurement = Guid.NewGuid();

    public static TheoryData<string> Readers => new() { "admin", "anonymous", "insider", "outsider" };

    [Theory]
    [MemberData(nameof(Readers))]
    public void The_terms_read_exactly_what_the_rule_reads(string reader)
    {
        var actor = reader switch
        {
            "admin" => new Actor(Guid.NewGuid(), true, TokenScope.ReadWrite),
            "anonymous" => Actor.Anonymous,
            _ => new Actor(Guid.NewGuid(), false, TokenScope.ReadWrite),
        };
        Guid[] insider = reader == "insider" ? [InsiderProposal] : [];
        var shared = new[] { SharedMeasurement }.AsQueryable();
        var rules = new AccessRules(actor, Now);
        var rule = rules.CanReadIndexed<Facts>(insider, shared).Compile();
        var terms = rules.CanReadIndexedTerms<Facts>(insider, shared).Select(t => t.Compile()).ToList();

        var rows = AllRows().ToList();
        var readable = 0;
        foreach (var row in rows)
        {
            var byRule = rule(row);
            Assert.True(byRule == terms.Any(t => t(row)), $"{reader}: rule says {byRule} for {row}");
            readable += byRule ? 1 : 0;
        }

        // Not vacuous: every reader reads some rows, and all but the admin are refused some.
        Assert.InRange(readable, 1, reader == "admin" ? rows.Count : rows.Count - 1);
        Assert.Equal(reader is "admin" or "anonymous" ? 1 : reader == "insider" ? 4 : 3, terms.Count);
    }

    private static IEnumerable<Facts> AllRows()
    {
        foreach (var proposal in new[] { InsiderProposal, OtherProposal })
        {
            foreach (var measurement in new[] { SharedMeasurement, OtherMeasurement })
            {
                foreach (var visibility in Enum.GetValues<Visibility>())
                {
                    foreach (var publicFrom in new DateTimeOffset?[] { null, DateTimeOffset.UnixEpoch, Now.AddDays(-1), Now, Now.AddDays(1) })
                    {
                        foreach (var signedIn in new[] { false, true })
                        {
                            yield return new Facts(measurement, proposal, visibility, publicFrom, signedIn);
                        }
                    }
                }
            }
        }
    }

    private sealed record Facts(Guid MeasurementId, Guid ProposalId, Visibility Visibility, DateTimeOffset? PublicFrom, bool SharedWithSignedInUsers)
        : IIndexedMeasurementAccess;
}
