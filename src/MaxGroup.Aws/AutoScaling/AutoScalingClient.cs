using System.Xml.Linq;
using MaxGroup.Aws.Signing;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Aws.AutoScaling;

/// <summary>
/// <see cref="IAutoScalingApi"/> over the Auto Scaling Query API (version 2011-01-01) through the signed client:
/// form-encoded POSTs, XML answers read namespace-agnostically with <see cref="XDocument"/> (AOT-safe).
/// </summary>
public sealed class AutoScalingClient : IAutoScalingApi
{
    public const string ApiVersion = "2011-01-01";

    // API limits: DescribeAutoScalingGroups pages hold at most 100 groups, DescribeAutoScalingInstances takes and
    // returns at most 50 instances, Attach/DetachInstances take at most 20.
    private const int MaxGroupPageSize = 100;
    private const int MaxInstancesPerDescribe = 50;
    private const int MaxInstancesPerAttachOrDetach = 20;

    // How many times an attach or detach whose outcome was ambiguous is sent in all (looking at the group in between).
    private const int MaxAmbiguousRepeats = 3;

    private readonly AwsSignedHttpClient _client;
    private readonly int _pageSize;

    /// <param name="client">A signed client for <see cref="AwsService.AutoScaling"/>.</param>
    /// <param name="pageSize">MaxRecords per Describe page (1..100 for groups, capped at 50 for instances).</param>
    public AutoScalingClient(AwsSignedHttpClient client, int pageSize = MaxGroupPageSize)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, MaxGroupPageSize);
        _client = client;
        _pageSize = pageSize;
    }

    public async Task<IReadOnlyList<AutoScalingGroupInfo>> DescribeAutoScalingGroupsAsync(IReadOnlyList<string> groupNames, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(groupNames);
        var groups = new List<AutoScalingGroupInfo>();
        string? nextToken = null;
        do
        {
            QueryRequest query = NewQuery("DescribeAutoScalingGroups")
                .AddList("AutoScalingGroupNames", groupNames)
                .Add("MaxRecords", _pageSize)
                .AddIfNotNull("NextToken", nextToken);
            XElement result = await CallAsync(query, cancellationToken).ConfigureAwait(false);
            groups.AddRange(Members(result.Child("AutoScalingGroups")).Select(ParseGroup));
            nextToken = NonEmpty(result.Child("NextToken")?.Value);
        }
        while (nextToken is not null);

        return groups;
    }

    public async Task<IReadOnlyList<AutoScalingInstanceInfo>> DescribeAutoScalingInstancesAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instanceIds);
        var instances = new List<AutoScalingInstanceInfo>();
        if (instanceIds.Count == 0)
        {
            // An empty list would describe every instance in the account: callers asking about nothing get nothing.
            return instances;
        }

        foreach (string[] batch in instanceIds.Chunk(MaxInstancesPerDescribe))
        {
            string? nextToken = null;
            do
            {
                QueryRequest query = NewQuery("DescribeAutoScalingInstances")
                    .AddList("InstanceIds", batch)
                    .Add("MaxRecords", Math.Min(_pageSize, MaxInstancesPerDescribe))
                    .AddIfNotNull("NextToken", nextToken);
                XElement result = await CallAsync(query, cancellationToken).ConfigureAwait(false);
                instances.AddRange(Members(result.Child("AutoScalingInstances")).Select(e => ParseInstance(e, null)));
                nextToken = NonEmpty(result.Child("NextToken")?.Value);
            }
            while (nextToken is not null);
        }

        return instances;
    }

    public async Task AttachInstancesAsync(string groupName, IReadOnlyList<string> instanceIds, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupName);
        ArgumentNullException.ThrowIfNull(instanceIds);
        foreach (string[] batch in instanceIds.Chunk(MaxInstancesPerAttachOrDetach))
        {
            await ConvergeAsync(
                groupName,
                batch,
                pending => new QueryRequest("AttachInstances", ApiVersion) { Idempotent = false }
                    .Add("AutoScalingGroupName", groupName)
                    .AddList("InstanceIds", pending),
                member => member is not null && member.LifecycleState is not ("Detaching" or "Detached"),
                cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task DetachInstancesAsync(string groupName, IReadOnlyList<string> instanceIds, bool shouldDecrementDesiredCapacity, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupName);
        ArgumentNullException.ThrowIfNull(instanceIds);
        foreach (string[] batch in instanceIds.Chunk(MaxInstancesPerAttachOrDetach))
        {
            await ConvergeAsync(
                groupName,
                batch,
                pending => new QueryRequest("DetachInstances", ApiVersion) { Idempotent = false }
                    .Add("AutoScalingGroupName", groupName)
                    .AddList("InstanceIds", pending)
                    .Add("ShouldDecrementDesiredCapacity", shouldDecrementDesiredCapacity),
                member => member is null || member.LifecycleState is "Detaching" or "Detached",
                cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task SetDesiredCapacityAsync(string groupName, int desiredCapacity, bool honorCooldown, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupName);
        ArgumentOutOfRangeException.ThrowIfNegative(desiredCapacity);
        QueryRequest query = NewQuery("SetDesiredCapacity")
            .Add("AutoScalingGroupName", groupName)
            .Add("DesiredCapacity", desiredCapacity)
            .Add("HonorCooldown", honorCooldown);
        await CallAsync(query, cancellationToken).ConfigureAwait(false);
    }

    public async Task UpdateAutoScalingGroupAsync(string groupName, int? minSize, int? maxSize, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupName);
        if (minSize is null && maxSize is null)
        {
            return;
        }

        QueryRequest query = NewQuery("UpdateAutoScalingGroup").Add("AutoScalingGroupName", groupName);
        if (minSize is { } min)
        {
            query.Add("MinSize", min);
        }

        if (maxSize is { } max)
        {
            query.Add("MaxSize", max);
        }

        await CallAsync(query, cancellationToken).ConfigureAwait(false);
    }

    public async Task TerminateInstanceInAutoScalingGroupAsync(string instanceId, bool shouldDecrementDesiredCapacity, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        // Not idempotent: a repeat of a termination whose answer was lost is refused (the instance is no longer a
        // managed instance), so a lost answer reaches the caller as AmbiguousOutcome for it to look at the group.
        QueryRequest query = new QueryRequest("TerminateInstanceInAutoScalingGroup", ApiVersion) { Idempotent = false }
            .Add("InstanceId", instanceId)
            .Add("ShouldDecrementDesiredCapacity", shouldDecrementDesiredCapacity);
        await CallAsync(query, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<LifecycleHookInfo>> DescribeLifecycleHooksAsync(string groupName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupName);
        QueryRequest query = NewQuery("DescribeLifecycleHooks").Add("AutoScalingGroupName", groupName);
        XElement result = await CallAsync(query, cancellationToken).ConfigureAwait(false);
        return Members(result.Child("LifecycleHooks"))
            .Select(hook => new LifecycleHookInfo(
                hook.Text("LifecycleHookName") ?? "",
                hook.Text("AutoScalingGroupName") ?? groupName,
                hook.Text("LifecycleTransition") ?? "",
                hook.Int("HeartbeatTimeout") ?? 0,
                hook.Text("DefaultResult") ?? "")
            {
                GlobalTimeout = hook.Int("GlobalTimeout"),
            })
            .ToList();
    }

    public async Task CompleteLifecycleActionAsync(string groupName, string hookName, string instanceId, string? lifecycleActionToken, string result, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupName);
        ArgumentException.ThrowIfNullOrEmpty(hookName);
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        ArgumentException.ThrowIfNullOrEmpty(result);
        QueryRequest query = NewQuery("CompleteLifecycleAction")
            .Add("AutoScalingGroupName", groupName)
            .Add("LifecycleHookName", hookName)
            .Add("InstanceId", instanceId)
            .AddIfNotNull("LifecycleActionToken", lifecycleActionToken)
            .Add("LifecycleActionResult", result);
        await CallAsync(query, cancellationToken).ConfigureAwait(false);
    }

    public async Task RecordLifecycleActionHeartbeatAsync(string groupName, string hookName, string instanceId, string? lifecycleActionToken, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupName);
        ArgumentException.ThrowIfNullOrEmpty(hookName);
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        QueryRequest query = NewQuery("RecordLifecycleActionHeartbeat")
            .Add("AutoScalingGroupName", groupName)
            .Add("LifecycleHookName", hookName)
            .Add("InstanceId", instanceId)
            .AddIfNotNull("LifecycleActionToken", lifecycleActionToken);
        await CallAsync(query, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends any Auto Scaling Query action and returns its `{Action}Result` element (or the root when the answer has
    /// none). For operations the port does not cover, e.g. test setup or tools.
    /// </summary>
    public async Task<XElement> CallAsync(QueryRequest query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        AwsResponse response = await _client.SendAsync(query.ToRequest(), cancellationToken).ConfigureAwait(false);
        XElement root = ParseXml(query.Action, response);
        return root.Child(query.Action + "Result") ?? root;
    }

    public static QueryRequest NewQuery(string action) => new(action, ApiVersion);

    /// <summary>
    /// Attach and detach change capacity, so a blind repeat after a lost answer would apply them twice (twice the
    /// capacity, or an error for an instance already moved). The call is sent once; when its outcome is ambiguous the
    /// group is described and only the instances not yet where they should be are sent again.
    /// </summary>
    private async Task ConvergeAsync(string groupName, string[] instanceIds, Func<string[], QueryRequest> call, Func<AutoScalingInstanceInfo?, bool> done, CancellationToken cancellationToken)
    {
        string[] pending = instanceIds;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await CallAsync(call(pending), cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RemoteApiException ex) when (ex.ErrorCode == AwsSignedHttpClient.AmbiguousOutcome && attempt < MaxAmbiguousRepeats)
            {
                // The group's own member list, not DescribeAutoScalingInstances: every role that attaches or detaches
                // already holds DescribeAutoScalingGroups, and least privilege gives it nothing more.
                IReadOnlyList<AutoScalingGroupInfo> groups = await DescribeAutoScalingGroupsAsync([groupName], cancellationToken).ConfigureAwait(false);
                IReadOnlyList<AutoScalingInstanceInfo> members = groups.FirstOrDefault(g => g.Name == groupName)?.Instances ?? [];
                pending = pending
                    .Where(id => !done(members.FirstOrDefault(i => i.InstanceId == id)))
                    .ToArray();
                if (pending.Length == 0)
                {
                    return;
                }
            }
        }
    }

    private XElement ParseXml(string action, AwsResponse response) => QueryXml.Parse(_client.Service.SigningName, action, response);

    private static AutoScalingGroupInfo ParseGroup(XElement group)
    {
        string name = group.Text("AutoScalingGroupName") ?? "";
        XElement? mixedTemplate = group.Child("MixedInstancesPolicy")?.Child("LaunchTemplate");
        AsgLaunchTemplate? launchTemplate = ParseLaunchTemplate(group.Child("LaunchTemplate"))
            ?? ParseLaunchTemplate(mixedTemplate?.Child("LaunchTemplateSpecification"));
        return new AutoScalingGroupInfo
        {
            Name = name,
            Arn = group.Text("AutoScalingGroupARN"),
            MinSize = group.Int("MinSize") ?? 0,
            MaxSize = group.Int("MaxSize") ?? 0,
            DesiredCapacity = group.Int("DesiredCapacity") ?? 0,
            CapacityRebalance = group.Bool("CapacityRebalance") ?? false,
            LaunchTemplate = launchTemplate,
            OverrideInstanceTypes = Members(mixedTemplate?.Child("Overrides"))
                .Select(o => o.Text("InstanceType"))
                .OfType<string>()
                .ToList(),
            AvailabilityZones = Members(group.Child("AvailabilityZones")).Select(z => z.Value.Trim()).Where(z => z.Length > 0).ToList(),
            SubnetIds = (group.Text("VPCZoneIdentifier") ?? "")
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .ToList(),
            Instances = Members(group.Child("Instances")).Select(i => ParseInstance(i, name)).ToList(),
            Tags = Members(group.Child("Tags"))
                .Select(t => new AsgTag(t.Text("Key") ?? "", t.Text("Value") ?? "", t.Bool("PropagateAtLaunch") ?? false))
                .ToList(),
            TargetGroupArns = MemberValues(group.Child("TargetGroupARNs")),
            LoadBalancerNames = MemberValues(group.Child("LoadBalancerNames")),
            OnDemand = group.Child("MixedInstancesPolicy") is { } mixed
                ? new OnDemandDistribution(
                    mixed.Child("InstancesDistribution")?.Int("OnDemandBaseCapacity") ?? 0,
                    mixed.Child("InstancesDistribution")?.Int("OnDemandPercentageAboveBaseCapacity") ?? 100)
                : null,
        };
    }

    private static AutoScalingInstanceInfo ParseInstance(XElement instance, string? groupName) => new()
    {
        InstanceId = instance.Text("InstanceId") ?? "",
        GroupName = instance.Text("AutoScalingGroupName") ?? groupName,
        AvailabilityZone = instance.Text("AvailabilityZone"),
        LifecycleState = instance.Text("LifecycleState"),
        HealthStatus = instance.Text("HealthStatus"),
        InstanceType = instance.Text("InstanceType"),
    };

    private static AsgLaunchTemplate? ParseLaunchTemplate(XElement? element)
    {
        if (element is null)
        {
            return null;
        }

        string? id = element.Text("LaunchTemplateId");
        string? name = element.Text("LaunchTemplateName");
        return id is null && name is null ? null : new AsgLaunchTemplate(id, name, element.Text("Version"));
    }

    private static IEnumerable<XElement> Members(XElement? list) =>
        list?.Elements().Where(e => e.Name.LocalName == "member") ?? [];

    private static List<string> MemberValues(XElement? list) =>
        Members(list).Select(m => m.Value.Trim()).Where(v => v.Length > 0).ToList();

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
