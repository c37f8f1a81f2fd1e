namespace Idrp.Cli;

/// <summary>The process exit codes; scripts branch on these, so they never change meaning (docs/cli.md).</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int General = 1;
    public const int Usage = 2;
    public const int NotSignedIn = 3;
    public const int ForbiddenOrNotFound = 4;
    public const int Conflict = 5;
    public const int Network = 6;

    /// <summary>A job that <c>jobs watch</c> (or <c>submit</c>/<c>retry --watch</c>) followed ended as failed.</summary>
    public const int JobFailed = 7;

    /// <summary>A job that <c>jobs watch</c> (or <c>submit</c>/<c>retry --watch</c>) followed ended as cancelled.</summary>
    public const int JobCancelled = 8;

    public static int FromStatus(int status) => status switch
    {
        401 => NotSignedIn,
        403 or 404 => ForbiddenOrNotFound,
        409 or 412 or 460 => Conflict,
        _ => General,
    };
}

/// <summary>A failure the CLI reports as one line on stderr and ends with <see cref="ExitCode"/>.</summary>
internal sealed class CliException(int exitCode, string message, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}
