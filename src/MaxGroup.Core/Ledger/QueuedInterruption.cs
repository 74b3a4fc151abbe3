namespace MaxGroup.Core.Ledger;

/// <summary>An interruption waiting for an in-flight slot.</summary>
public sealed record QueuedInterruption(string InstanceId, string GroupName, DateTimeOffset QueuedAt);
