
namespace MaxGroup.Core.Model;

/// <summary>The dispatcher's answer for one event; the dispatcher function returns it as JSON.</summary>
public sealed record DispatchResult
{
    public required DispatchStatus Status { get; init; }
    public required string Reason { get; init; }
    public required string EventId { get; init; }
    public required string DetailType { get; init; }
    public string? InstanceId { get; init; }
    public string? GroupName { get; init; }
    public DateTimeOffset? ReclaimAt { get; init; }
    public bool DryRun { get; init; }
    /// <summary>The steps started (or planned, when queued).</summary>
    public IReadOnlyList<string> Steps { get; init; } = [];
    /// <summary>Steps whose start failed, with the error; the ledger marks them Failed.</summary>
    public IReadOnlyDictionary<string, string> StartErrors { get; init; } = new Dictionary<string, string>();
    /// <summary>Queued interruptions this invocation moved to active.</summary>
    public IReadOnlyList<string> Dequeued { get; init; } = [];

    public static DispatchResult NoOp(MaxGroupEvent source, string reason, string? instanceId = null, string? groupName = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        return NoOp(source.Id, source.DetailType, reason, instanceId, groupName);
    }

    public static DispatchResult NoOp(string eventId, string detailType, string reason, string? instanceId = null, string? groupName = null) => new()
    {
        Status = DispatchStatus.NoOp,
        Reason = reason,
        EventId = eventId,
        DetailType = detailType,
        InstanceId = instanceId,
        GroupName = groupName,
    };

    /// <summary>The event was handed to <paramref name="steps"/> (started or forwarded to the function that runs them).</summary>
    public static DispatchResult Routed(MaxGroupEvent source, string reason, IReadOnlyList<string> steps, string? instanceId = null, string? groupName = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new()
        {
            Status = DispatchStatus.Routed,
            Reason = reason,
            EventId = source.Id,
            DetailType = source.DetailType,
            InstanceId = instanceId,
            GroupName = groupName,
            Steps = steps,
        };
    }
}
