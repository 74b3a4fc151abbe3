using Amazon.DynamoDBv2.Model;
using Amazon.EC2.Model;
using MaxGroup.Core.Steps.Volume;

namespace MaxGroup.Integration.Tests.Reliability.Crash;

/// <summary>One promise of the README, held or broken, with what was seen.</summary>
public sealed record CrashInvariant(string Name, bool Held, string Detail);

/// <summary>
/// The crash drill's invariants, read from moto and the ledger after a case (never from MaxGroup's answers), and the
/// deadline from the kill proxy's own timestamps of AttachInstances and DetachInstances.
/// </summary>
public static class CrashInvariants
{
    public const string VolumeKept = "volume kept";
    public const string OneSuccessor = "one successor";
    public const string Capacity = "capacity restored";
    public const string NoUntracked = "no untracked instance";
    public const string Deadline = "deadline met";

    public static readonly IReadOnlyList<string> Names = [VolumeKept, OneSuccessor, Capacity, NoUntracked, Deadline];

    public const string AttachAs = "/dev/xvdz";

    public static async Task<List<CrashInvariant>> CheckAsync(AwsClientFactory aws, string ledgerTable, CrashScene scene, IReadOnlyList<CrashCall> calls)
    {
        AutoScalingGroupInfo after = await DemoScene.DescribeGroupAsync(aws, CancellationToken.None);
        HashSet<string> members = after.Instances.Select(i => i.InstanceId).ToHashSet(StringComparer.Ordinal);
        List<Instance> instances = ((await aws.Ec2.DescribeInstancesAsync(new DescribeInstancesRequest())).Reservations ?? []).SelectMany(r => r.Instances ?? []).ToList();
        List<Instance> alive = instances.Where(i => i.State.Name != "terminated" && i.State.Name != "shutting-down").ToList();
        List<string> successors = alive
            .Where(i => i.Tags?.Any(t => t.Key == SuccessorTags.Replaces && t.Value == scene.Doomed) == true)
            .Select(i => i.InstanceId)
            .ToList();
        string ledgerText = await LedgerTextAsync(aws, ledgerTable);
        string? successor = successors.Count == 1 ? successors[0] : null;

        var results = new List<CrashInvariant>
        {
            await VolumeAsync(aws, scene, successor),
            successors.Count == 1 && members.Contains(successors[0])
                ? new CrashInvariant(OneSuccessor, true, $"{successors[0]} in the group")
                : new CrashInvariant(OneSuccessor, false, successors.Count == 0
                    ? "no live instance tagged spotmax:replaces=" + scene.Doomed
                    : $"{successors.Count} live successors ({string.Join(", ", successors.Select(s => members.Contains(s) ? s + " in the group" : s + " outside the group"))})"),
            after.DesiredCapacity == scene.Before.DesiredCapacity && after.MaxSize == scene.Before.MaxSize
                ? new CrashInvariant(Capacity, true, $"desired {after.DesiredCapacity}, max {after.MaxSize}")
                : new CrashInvariant(Capacity, false, $"desired {scene.Before.DesiredCapacity} -> {after.DesiredCapacity}, max {scene.Before.MaxSize} -> {after.MaxSize}"),
        };

        List<string> untracked = alive.Select(i => i.InstanceId).Where(id => !members.Contains(id) && !ledgerText.Contains(id, StringComparison.Ordinal)).ToList();
        results.Add(untracked.Count == 0
            ? new CrashInvariant(NoUntracked, true, $"{alive.Count} live instances, each a member or in the ledger")
            : new CrashInvariant(NoUntracked, false, $"running outside the group and unknown to the ledger: {string.Join(", ", untracked)}"));
        results.Add(DeadlineMet(scene, successor, calls));
        return results;
    }

    /// <summary>The ledger record's steps, for the report: "replace Done", "volume Waiting (reason)".</summary>
    public static async Task<List<string>> LedgerStepsAsync(AwsClientFactory aws, string ledgerTable, string instanceId)
    {
        InterruptionRecord? record = await new DynamoDbLedger(aws.DynamoDb, ledgerTable).GetAsync(instanceId, CancellationToken.None);
        return record is null
            ? ["(no ledger record)"]
            : [.. record.Steps.Select(s => $"{s.Name} {s.Status}{(string.IsNullOrWhiteSpace(s.Reason) ? "" : $" ({s.Reason})")}"), $"successor {record.SuccessorInstanceId ?? "-"}"];
    }

    private static async Task<CrashInvariant> VolumeAsync(AwsClientFactory aws, CrashScene scene, string? successor)
    {
        Amazon.EC2.Model.Volume? volume = (await aws.Ec2.DescribeVolumesAsync(new DescribeVolumesRequest
        {
            Filters = [new Amazon.EC2.Model.Filter("volume-id", [scene.VolumeId])],
        })).Volumes?.SingleOrDefault(); // AWSSDK v4 answers null for an empty list
        if (volume is null)
        {
            return new CrashInvariant(VolumeKept, false, $"data volume {scene.VolumeId} deleted");
        }

        List<VolumeAttachment> attached = (volume.Attachments ?? []).Where(a => a.State != "detached").ToList();
        string? status = volume.Tags?.FirstOrDefault(t => t.Key == VolumeTags.Status)?.Value;
        string? reason = volume.Tags?.FirstOrDefault(t => t.Key == VolumeTags.LastError)?.Value;
        if (attached.Count == 1 && attached[0].InstanceId == successor && attached[0].Device == AttachAs)
        {
            return new CrashInvariant(VolumeKept, true, $"on the successor {successor} at {AttachAs}");
        }

        if (attached.Count == 0 && status is not null && VolumeTags.Statuses.Open.Contains(status) && !string.IsNullOrWhiteSpace(reason))
        {
            return new CrashInvariant(VolumeKept, true, $"{volume.State}, tagged {status}: {reason}");
        }

        string where = attached.Count == 0 ? volume.State.ToString() : string.Join(", ", attached.Select(a => $"on {a.InstanceId} at {a.Device}"));
        return new CrashInvariant(VolumeKept, false, $"data volume {scene.VolumeId} {where}, status tag {status ?? "none"}, reason tag {reason ?? "none"}; successor {successor ?? "(not one)"}");
    }

    /// <summary>The successor attached and the doomed instance detached before the reclaim time, by the proxy's clock.</summary>
    private static CrashInvariant DeadlineMet(CrashScene scene, string? successor, IReadOnlyList<CrashCall> calls)
    {
        DateTimeOffset? Done(string call, string? instance) => instance is null
            ? null
            : calls.Where(c => c.Call == call && c.Status == 200 && c.InstanceIds.Contains(instance)).Select(c => (DateTimeOffset?)c.End).Min();
        DateTimeOffset? attached = Done("autoscaling:AttachInstances", successor);
        DateTimeOffset? detached = Done("autoscaling:DetachInstances", scene.Doomed);
        string Describe(string what, DateTimeOffset? at) => at is { } t
            ? $"{what} {(t - scene.ReclaimAt).TotalSeconds.ToString("+0.0;-0.0", CultureInfo.InvariantCulture)} s from the reclaim"
            : $"{what} never";
        string detail = $"{Describe("successor attached", attached)}, {Describe("doomed detached", detached)}";
        return new CrashInvariant(Deadline, attached <= scene.ReclaimAt && detached <= scene.ReclaimAt, detail);
    }

    /// <summary>Every value of every ledger item as text: an instance id anywhere in it is "recorded in the ledger".</summary>
    private static async Task<string> LedgerTextAsync(AwsClientFactory aws, string table)
    {
        var text = new StringBuilder();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            ScanResponse page = await aws.DynamoDb.ScanAsync(new ScanRequest { TableName = table, ExclusiveStartKey = start });
            foreach (Dictionary<string, AttributeValue> item in page.Items ?? [])
            {
                foreach (AttributeValue value in item.Values)
                {
                    Append(text, value);
                }
            }

            start = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (start is not null);
        return text.ToString();
    }

    private static void Append(StringBuilder text, AttributeValue value)
    {
        text.Append(value.S).Append(' ');
        foreach (string s in value.SS ?? [])
        {
            text.Append(s).Append(' ');
        }

        foreach (AttributeValue inner in (value.L ?? []).Concat(value.M?.Values ?? Enumerable.Empty<AttributeValue>()))
        {
            Append(text, inner);
        }
    }
}
