using System.Text.Json.Serialization;

namespace MaxGroup.Core.Model;

/// <summary>
/// What operators are told about one hand-over (the detail of a MaxGroup event, the row of `maxgroup history`): the
/// ledger record without its claims, leases, progress notes or step details, so it carries no token and no secret.
/// </summary>
public sealed record HandoverSummary
{
    public required string InstanceId { get; init; }
    public required string GroupName { get; init; }
    /// <summary>The wire name of the trigger that opened it (warning, dequeued, ...), or "other".</summary>
    public required string Trigger { get; init; }
    /// <summary>active, queued or done, as the ledger says.</summary>
    public required string Status { get; init; }
    public required DateTimeOffset WarningTime { get; init; }
    public required DateTimeOffset ReclaimAt { get; init; }
    public string InstanceAction { get; init; } = "terminate";
    public string Strategy { get; init; } = "";
    public bool DryRun { get; init; }
    public string? SuccessorInstanceId { get; init; }
    public string? VolumeId { get; init; }
    public string? FirstEventId { get; init; }
    public IReadOnlyList<StepSummary> Steps { get; init; } = [];
}

/// <summary>One step of a <see cref="HandoverSummary"/>: its status word, reason and times.</summary>
public sealed record StepSummary(string Name, string Status, string? Reason, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt);

/// <summary>The EventBridge source and detail-types of MaxGroup's own events (rules in the template match these).</summary>
public static class HandoverEventTypes
{
    public const string Source = "maxgroup";
    public const string Started = "MaxGroup Hand-over Started";
    public const string Completed = "MaxGroup Hand-over Completed";
    public const string Failed = "MaxGroup Hand-over Failed";
    public const string DeadlineMissed = "MaxGroup Deadline Missed";

    public static readonly IReadOnlyList<string> All = [Started, Completed, Failed, DeadlineMissed];
}

/// <summary>Source-generated JSON for <see cref="HandoverSummary"/> (Native AOT): snake_case, as the ledger's attributes read.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(HandoverSummary))]
[JsonSerializable(typeof(List<HandoverSummary>))]
public sealed partial class HandoverSummaryJsonContext : JsonSerializerContext
{
}
