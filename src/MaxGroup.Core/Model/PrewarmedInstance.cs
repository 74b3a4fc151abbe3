namespace MaxGroup.Core.Model;

/// <summary>A pre-warmed successor as EC2 reports it (pending or running), read from its tags.</summary>
public sealed record PrewarmedInstance(string InstanceId, string ReplacesInstanceId, string? GroupName, DateTimeOffset KeepUntil);
