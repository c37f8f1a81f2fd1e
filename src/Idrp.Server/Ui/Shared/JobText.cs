using System.Globalization;
using Idrp.Domain.Jobs;

namespace Idrp.Server.Ui.Shared;

/// <summary>How pages write a job's state and progress: as the API spells the state, progress in whole percent.</summary>
internal static class JobText
{
    public static string State(JobState state) => state.ToString().ToLowerInvariant();

    public static string Percent(double fraction) => Math.Clamp(fraction, 0, 1).ToString("0%", CultureInfo.InvariantCulture);

    /// <summary>Whether the job may still change by itself (its page refreshes while it does).</summary>
    public static bool IsLive(JobState state) => state is JobState.Queued or JobState.Running;
}
