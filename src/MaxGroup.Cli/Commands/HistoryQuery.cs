namespace MaxGroup.Cli.Commands;

/// <summary>Which interruptions `history` shows.</summary>
public sealed record HistoryQuery(string? InstanceId, TimeSpan? Since, int Limit = HistoryCommand.DefaultLimit);
