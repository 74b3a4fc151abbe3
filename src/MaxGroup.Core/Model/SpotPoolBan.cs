namespace MaxGroup.Core.Model;

/// <summary>A Spot pool (instance type, zone) left out of successor launches until <see cref="Until"/>: it was interrupted a moment ago.</summary>
public sealed record SpotPoolBan(string InstanceType, string AvailabilityZone, DateTimeOffset Until);
