using System.Globalization;
using Amazon.DynamoDBv2.Model;
using MaxGroup.Core.Ledger;
using MaxGroup.Core.Model;

namespace MaxGroup.Aws.Ledger;

/// <summary>Maps ledger records to DynamoDB items (snake_case attributes, ISO-8601 UTC times).</summary>
internal static class LedgerItems
{
    public const string Version = "version";
    public const string EventIds = "event_ids";
    /// <summary>Map: step name → { pending_claim, claim_consumed_by }. Top level, so one UpdateItem can address a step by name.</summary>
    public const string StepClaims = "step_claims";
    public const string PendingClaim = "pending_claim";
    public const string ClaimConsumedBy = "claim_consumed_by";
    private const string TimeFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";

    public static Dictionary<string, AttributeValue> ToItem(InterruptionRecord record, long version)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            [LedgerTable.PartitionKey] = S(record.InstanceId),
            ["first_event_id"] = S(record.FirstEventId),
            [EventIds] = new() { L = record.EventIds.Select(S).ToList() },
            ["group"] = S(record.GroupName),
            ["warning_time"] = S(Time(record.WarningTime)),
            ["reclaim_at"] = S(Time(record.ReclaimAt)),
            ["instance_action"] = S(record.InstanceAction),
            ["strategy"] = S(record.Strategy),
            ["dry_run"] = new() { BOOL = record.DryRun },
            ["status"] = S(LedgerText.Status(record.Status)),
            ["created_at"] = S(Time(record.CreatedAt)),
            [LedgerTable.TtlAttribute] = N(record.ExpiresAt.ToUnixTimeSeconds()),
            ["steps"] = new() { L = record.Steps.Select(StepItem).ToList() },
            ["timeline"] = new() { L = record.Timeline.Select(TimelineItem).ToList() },
            ["progress"] = new() { M = record.Progress.ToDictionary(p => p.Key, p => S(p.Value)) },
            [Version] = N(version),
        };
        // Always written (empty when no step has a claim): the consume's UpdateItem sets an entry inside it.
        item[StepClaims] = new() { M = StepClaimsItem(record.Steps) };
        if (record.SuccessorInstanceId is not null)
        {
            item["successor_id"] = S(record.SuccessorInstanceId);
        }

        if (record.VolumeId is not null)
        {
            item["volume_id"] = S(record.VolumeId);
        }

        // What opened the hand-over: a resume restarts its steps with it (absent on records written before = a warning).
        item["trigger"] = S(record.Trigger.WireName());
        if (record.LifecycleHook is { } hook)
        {
            item["lifecycle_hook"] = new() { M = LifecycleHookItem(hook) };
        }

        return item;
    }

    public static (InterruptionRecord Record, long Version) FromItem(Dictionary<string, AttributeValue> item) =>
        (new InterruptionRecord
        {
            InstanceId = Text(item, LedgerTable.PartitionKey) ?? "",
            EventIds = List(item, LedgerItems.EventIds).Select(v => v.S ?? "").ToList(),
            GroupName = Text(item, "group") ?? "",
            WarningTime = ParseTime(Text(item, "warning_time")),
            ReclaimAt = ParseTime(Text(item, "reclaim_at")),
            InstanceAction = Text(item, "instance_action") ?? "terminate",
            Strategy = Text(item, "strategy") ?? "",
            DryRun = item.TryGetValue("dry_run", out AttributeValue? dry) && dry.BOOL == true,
            Status = LedgerText.ParseInterruption(Text(item, "status")),
            SuccessorInstanceId = Text(item, "successor_id"),
            VolumeId = Text(item, "volume_id"),
            Trigger = HandoverTriggers.FromWireName(Text(item, "trigger")) ?? HandoverTrigger.SpotWarning,
            LifecycleHook = item.TryGetValue("lifecycle_hook", out AttributeValue? hook) && hook.M is { } hookMap ? LifecycleHookFrom(hookMap) : null,
            CreatedAt = ParseTime(Text(item, "created_at")),
            ExpiresAt = DateTimeOffset.FromUnixTimeSeconds(Number(item, LedgerTable.TtlAttribute)),
            Steps = WithClaims(List(item, "steps").Select(v => StepFrom(v.M ?? [])), item),
            Timeline = List(item, "timeline").Select(v => TimelineFrom(v.M ?? [])).ToList(),
            Progress = (item.TryGetValue("progress", out AttributeValue? p) ? p.M : null)?.ToDictionary(kv => kv.Key, kv => kv.Value.S ?? "")
                ?? new Dictionary<string, string>(),
        }, Number(item, Version));

    public static Dictionary<string, AttributeValue> Key(string instanceId) => new() { [LedgerTable.PartitionKey] = S(instanceId) };

    private static Dictionary<string, AttributeValue> StepClaimsItem(IEnumerable<StepRecord> steps)
    {
        var claims = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
        foreach (StepRecord step in steps.Where(s => s.PendingClaim is not null || s.ClaimConsumedBy is not null))
        {
            var map = new Dictionary<string, AttributeValue>();
            if (step.PendingClaim is not null)
            {
                map[PendingClaim] = S(step.PendingClaim);
            }

            if (step.ClaimConsumedBy is not null)
            {
                map[ClaimConsumedBy] = S(step.ClaimConsumedBy);
            }

            claims[step.Name] = new AttributeValue { M = map };
        }

        return claims;
    }

    /// <summary>The steps with their pending/consumed claims from the step_claims map put back on them.</summary>
    private static List<StepRecord> WithClaims(IEnumerable<StepRecord> steps, Dictionary<string, AttributeValue> item)
    {
        Dictionary<string, AttributeValue>? claims = item.TryGetValue(StepClaims, out AttributeValue? c) ? c.M : null;
        return steps.Select(step => claims is not null && claims.TryGetValue(step.Name, out AttributeValue? claim) && claim.M is { } map
            ? step with { PendingClaim = Text(map, PendingClaim), ClaimConsumedBy = Text(map, ClaimConsumedBy) }
            : step).ToList();
    }

    private static Dictionary<string, AttributeValue> LifecycleHookItem(LifecycleHookAction hook)
    {
        var map = new Dictionary<string, AttributeValue>
        {
            ["group"] = S(hook.GroupName),
            ["hook"] = S(hook.HookName),
            ["started_at"] = S(Time(hook.StartedAt)),
            ["heartbeat_timeout_seconds"] = N((long)hook.HeartbeatTimeout.TotalSeconds),
            ["global_deadline"] = S(Time(hook.GlobalDeadline)),
        };
        if (hook.Token is not null)
        {
            map["token"] = S(hook.Token);
        }

        return map;
    }

    private static LifecycleHookAction LifecycleHookFrom(Dictionary<string, AttributeValue> map) => new()
    {
        GroupName = Text(map, "group") ?? "",
        HookName = Text(map, "hook") ?? "",
        Token = Text(map, "token"),
        StartedAt = ParseTime(Text(map, "started_at")),
        HeartbeatTimeout = TimeSpan.FromSeconds(Number(map, "heartbeat_timeout_seconds")),
        GlobalDeadline = ParseTime(Text(map, "global_deadline")),
    };

    private static AttributeValue StepItem(StepRecord step)
    {
        var map = new Dictionary<string, AttributeValue>
        {
            ["name"] = S(step.Name),
            ["status"] = S(LedgerText.Status(step.Status)),
            ["details"] = new() { M = step.Details.ToDictionary(d => d.Key, d => S(d.Value)) },
        };
        if (step.StartedAt is { } started)
        {
            map["started_at"] = S(Time(started));
        }

        if (step.LeaseUntil is { } lease)
        {
            map["lease_until"] = S(Time(lease));
        }

        if (step.FinishedAt is { } finished)
        {
            map["finished_at"] = S(Time(finished));
        }

        if (step.Reason is not null)
        {
            map["reason"] = S(step.Reason);
        }

        if (step.Claim is not null)
        {
            map["claim"] = S(step.Claim);
        }

        return new AttributeValue { M = map };
    }

    private static StepRecord StepFrom(Dictionary<string, AttributeValue> map) => new()
    {
        Name = Text(map, "name") ?? "",
        Status = LedgerText.ParseStep(Text(map, "status")),
        StartedAt = Text(map, "started_at") is { } s ? ParseTime(s) : null,
        LeaseUntil = Text(map, "lease_until") is { } l ? ParseTime(l) : null,
        FinishedAt = Text(map, "finished_at") is { } f ? ParseTime(f) : null,
        Reason = Text(map, "reason"),
        Claim = Text(map, "claim"),
        Details = (map.TryGetValue("details", out AttributeValue? d) ? d.M : null)?.ToDictionary(kv => kv.Key, kv => kv.Value.S ?? "")
            ?? new Dictionary<string, string>(),
    };

    private static AttributeValue TimelineItem(TimelineEntry entry)
    {
        var map = new Dictionary<string, AttributeValue>
        {
            ["at"] = S(Time(entry.At)),
            ["step"] = S(entry.Step),
            ["status"] = S(entry.Status),
        };
        if (entry.Reason is not null)
        {
            map["reason"] = S(entry.Reason);
        }

        return new AttributeValue { M = map };
    }

    private static TimelineEntry TimelineFrom(Dictionary<string, AttributeValue> map) =>
        new(ParseTime(Text(map, "at")), Text(map, "step") ?? "", Text(map, "status") ?? "", Text(map, "reason"));

    private static AttributeValue S(string value) => new() { S = value };

    private static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseTime(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset t)
            ? t
            : DateTimeOffset.MinValue;

    private static string? Text(Dictionary<string, AttributeValue>? item, string name) =>
        item is not null && item.TryGetValue(name, out AttributeValue? v) ? v.S : null;

    private static long Number(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out AttributeValue? v) && long.TryParse(v.N, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) ? n : 0;

    private static List<AttributeValue> List(Dictionary<string, AttributeValue> item, string name) =>
        (item.TryGetValue(name, out AttributeValue? v) ? v.L : null) ?? [];
}
