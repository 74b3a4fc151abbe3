namespace MaxGroup.Simulators.Aws;

/// <summary>One target of a DeregisterTargets the emulator accepted, and when the proxy passed the answer back.</summary>
public sealed record TargetDeregistration(string TargetGroupArn, string TargetId, int? Port, DateTimeOffset At);
