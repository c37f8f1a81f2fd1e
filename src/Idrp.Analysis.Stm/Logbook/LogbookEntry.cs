namespace Idrp.Analysis.Stm.Logbook;

/// <summary>A parameter of a preparation step: a number with its unit, or text.</summary>
public sealed record LogbookParameter(string Name, double? Value, string Unit, string Text);

/// <summary>One preparation step (e.g. sputter, anneal) with its parameters, in logbook order.</summary>
public sealed record LogbookStep(string Kind, IReadOnlyList<LogbookParameter> Parameters);

/// <summary>One logbook entry: a sample's preparation on one date. Immutable.</summary>
public sealed record LogbookEntry(DateOnly Date, string Sample, string? Operator, IReadOnlyList<LogbookStep> Steps, string? Note, int LineNumber);

/// <summary>A malformed logbook line; <see cref="LineNumber"/> is 1-based.</summary>
public sealed class LogbookFormatException(int lineNumber, string message)
    : Exception($"line {lineNumber}: {message}")
{
    /// <summary>The 1-based line that could not be parsed.</summary>
    public int LineNumber { get; } = lineNumber;
}
