namespace MaxGroup.Core.Model;

/// <summary>One line of an interruption's history: what happened to which step, when, and why.</summary>
public sealed record TimelineEntry(DateTimeOffset At, string Step, string Status, string? Reason = null);
