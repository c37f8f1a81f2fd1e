using System.Globalization;

namespace Idrp.Server.Ui.Shared;

/// <summary>How the pages write sizes, instants and dates: invariant, UTC, unambiguous.</summary>
internal static class Format
{
    public static string Bytes(long? bytes) => bytes switch
    {
        null => "—",
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => (bytes.Value / 1024d).ToString("0.#", CultureInfo.InvariantCulture) + " KiB",
        < 1024L * 1024 * 1024 => (bytes.Value / 1048576d).ToString("0.#", CultureInfo.InvariantCulture) + " MiB",
        _ => (bytes.Value / 1073741824d).ToString("0.##", CultureInfo.InvariantCulture) + " GiB",
    };

    public static string Instant(DateTimeOffset? at) => at?.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) ?? "—";

    public static string Date(DateOnly? date) => date?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "—";

    public static string Date(DateTimeOffset? at) => at?.ToUniversalTime().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "—";

    public static DateOnly? ToDate(DateTimeOffset? at) => at is { } a ? DateOnly.FromDateTime(a.UtcDateTime) : null;

    /// <summary>A date picked in a form as an instant (midnight UTC), keeping <paramref name="previous"/> when its day was not changed.</summary>
    public static DateTimeOffset? FromDate(DateOnly? date, DateTimeOffset? previous = null) =>
        date is not { } d ? null
        : previous is { } p && ToDate(p) == d ? p
        : new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    public static string Role(Domain.Model.ProposalRole role) => role == Domain.Model.ProposalRole.PrincipalInvestigator ? "PI" : "member";
}
