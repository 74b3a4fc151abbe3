namespace MaxGroup.Core.Model;

/// <summary>An interruption waiting for an in-flight slot.</summary>
public sealed record QueuedInterruption(string InstanceId, string GroupName, DateTimeOffset QueuedAt);
