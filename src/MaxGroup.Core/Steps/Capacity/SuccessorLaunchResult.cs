using MaxGroup.Core.Ports;

namespace MaxGroup.Core.Steps.Capacity;

/// <summary>What a successor launch got: the instance and the candidate that had capacity, or every capacity error.</summary>
public sealed record SuccessorLaunchResult
{
    /// <summary>The launched successor; null when no candidate had capacity.</summary>
    public string? InstanceId { get; init; }
    /// <summary>The candidate that launched; null when none did.</summary>
    public LaunchCandidate? Used { get; init; }
    public IReadOnlyList<LaunchAttempt> Attempts { get; init; } = [];

    /// <summary>The attempts as one line, "m5.large/spot: InsufficientInstanceCapacity; m5a.large/spot: launched i-1".</summary>
    public string AttemptsText => Attempts.Count == 0 ? "no candidate instance type" : string.Join("; ", Attempts);
}

/// <summary>One candidate tried: launched <see cref="InstanceId"/>, or refused with the capacity error <see cref="ErrorCode"/>.</summary>
public sealed record LaunchAttempt(LaunchCandidate Candidate, string? InstanceId, string? ErrorCode)
{
    public override string ToString() => InstanceId is not null ? $"{Candidate}: launched {InstanceId}" : $"{Candidate}: {ErrorCode}";
}
