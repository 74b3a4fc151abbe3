using MaxGroup.Core.Ports;

namespace MaxGroup.Core.Steps.Capacity;

/// <summary>What a successor launch got: the instance and the candidate that had capacity, or every capacity error.</summary>
public sealed record SuccessorLaunchResult
{
    /// <summary>The EC2 call the launch went through (see <see cref="Api"/>).</summary>
    public const string CreateFleetApi = "CreateFleet";
    /// <summary>The serial path, one call per candidate.</summary>
    public const string RunInstancesApi = "RunInstances";

    /// <summary>The launched successor; null when no candidate had capacity.</summary>
    public string? InstanceId { get; init; }
    /// <summary>The candidate that launched; null when none did.</summary>
    public LaunchCandidate? Used { get; init; }
    /// <summary>The pool (type, subnet) the successor went to, when the capacity-aware launch knows it.</summary>
    public LaunchPool? Pool { get; init; }
    public IReadOnlyList<LaunchAttempt> Attempts { get; init; } = [];
    /// <summary><see cref="CreateFleetApi"/> or <see cref="RunInstancesApi"/>: which one ran (recorded in the ledger).</summary>
    public string Api { get; init; } = RunInstancesApi;
    /// <summary>Why CreateFleet was not used when it was tried and refused (its error code); null otherwise.</summary>
    public string? FleetRefusal { get; init; }
    /// <summary>EC2 calls made: one per CreateFleet or RunInstances sent (retries of one call not counted).</summary>
    public int Calls { get; init; }

    /// <summary>The attempts as one line, "m5.large/spot: InsufficientInstanceCapacity; m5a.large/spot: launched i-1".</summary>
    public string AttemptsText => Attempts.Count == 0 ? "no candidate instance type" : string.Join("; ", Attempts);
}

/// <summary>One candidate tried: launched <see cref="InstanceId"/>, or refused with the capacity error <see cref="ErrorCode"/>.</summary>
public sealed record LaunchAttempt(LaunchCandidate Candidate, string? InstanceId, string? ErrorCode)
{
    /// <summary>The subnet or zone of a capacity-aware attempt; null for the serial path.</summary>
    public string? Where { get; init; }

    public override string ToString() =>
        (InstanceId is not null ? $"{Candidate}: launched {InstanceId}" : $"{Candidate}: {ErrorCode}") + (Where is null ? "" : $" in {Where}");
}
