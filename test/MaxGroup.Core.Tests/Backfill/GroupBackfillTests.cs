using MaxGroup.Core.Steps.Backfill;
using MaxGroup.Core.Tests.Replace;

namespace MaxGroup.Core.Tests.Backfill;

public sealed class GroupBackfillTests
{
    private const string Group = "web";
    private const string Activity = "0d6c2a11-4b7e-4c3f-9a55-2e8f1b7c6d90";
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 24, 8, 15, 10, TimeSpan.Zero));
    private readonly FakeAutoScaling _autoScaling = new();
    private readonly FakeInventory _inventory = new();
    private readonly FakeConfigSource _configs = new();
    private readonly InMemoryBackfillLedger _backfills = new();
    private readonly RecordingMetrics _metrics = new();
    private readonly FakeLauncher _launcher;

    public GroupBackfillTests()
    {
        _launcher = new FakeLauncher(_inventory);
        _configs.Add(Config());
    }

    [Fact]
    public async Task OnLaunchFailed_ShortGroup_OneSuccessorAttachedDesiredUnchanged()
    {
        ShortGroup(max: 4);

        DispatchResult result = await Backfill().OnLaunchFailedAsync(Failed("ev-1"), CancellationToken.None);

        Assert.Equal(DispatchStatus.Started, result.Status);
        SuccessorLaunchSpec spec = Assert.Single(_launcher.Launched);
        Assert.Equal(new LaunchCandidate("m5.large", PurchaseMarket.Spot), spec.Candidate);
        Assert.Equal(new LaunchTemplateRef("lt-1", null, "3"), spec.LaunchTemplate);
        Assert.Equal(Group, spec.Tags[SuccessorTags.Group]);
        Assert.Equal(Activity, spec.Tags[SuccessorTags.Backfill]);
        Assert.False(spec.Tags.ContainsKey(SuccessorTags.Replaces));
        Assert.Equal(BackfillRules.ClientToken(Group, Activity, 0), spec.ClientToken);
        string successor = result.InstanceId!;
        // AttachInstances raised desired to 4; it is put back at once, without the cooldown.
        Assert.Equal([$"Attach {successor}", "SetDesired 3"], _autoScaling.Calls);
        AutoScalingGroupInfo after = _autoScaling.Snapshot(Group);
        Assert.Equal(3, after.DesiredCapacity);
        Assert.Equal(3, after.Instances.Count);
        Assert.Contains(after.Instances, i => i.InstanceId == successor);
        Assert.Equal(4, after.MaxSize);
        Assert.Equal(BackfillOutcomes.Attached, (await _backfills.GetAsync(Group, Activity, CancellationToken.None))!.Outcome);
        Assert.Single(_metrics.Records, r => r.Name == "Backfills" && r.Dimensions!["Outcome"] == BackfillOutcomes.Attached);
    }

    [Fact]
    public async Task OnLaunchFailed_GroupAlreadyRecovered_NothingLaunchedNothingChanged()
    {
        _autoScaling.AddGroup(Group, min: 1, max: 4, ["i-00000000000000001", "i-00000000000000002"], overrides: ["m5.large"]);

        DispatchResult result = await Backfill().OnLaunchFailedAsync(Failed("ev-1"), CancellationToken.None);

        Assert.Equal(DispatchStatus.NoOp, result.Status);
        Assert.Contains("is not short: 2 in service or pending of desired 2", result.Reason, StringComparison.Ordinal);
        Assert.Empty(_launcher.Attempts);
        Assert.Empty(_autoScaling.Calls);
        Assert.Single(_metrics.Records, r => r.Name == "Backfills" && r.Dimensions!["Outcome"] == BackfillOutcomes.Recovered);
    }

    [Fact]
    public async Task OnLaunchFailed_DuplicateActivity_SecondDeliveryDoesNothing()
    {
        ShortGroup(max: 4);
        GroupBackfill backfill = Backfill();
        await backfill.OnLaunchFailedAsync(Failed("ev-1"), CancellationToken.None);
        // The group is short again (another member lost): only a new activity may backfill it.
        _autoScaling.Remove(Group, "i-00000000000000001");
        int calls = _autoScaling.Calls.Count;

        DispatchResult again = await backfill.OnLaunchFailedAsync(Failed("ev-2"), CancellationToken.None);

        Assert.Equal(DispatchStatus.Duplicate, again.Status);
        Assert.Contains("first event ev-1", again.Reason, StringComparison.Ordinal);
        Assert.Single(_launcher.Attempts);
        Assert.Equal(calls, _autoScaling.Calls.Count);
        Assert.Single(_metrics.Records, r => r.Name == "Backfills" && r.Dimensions!["Outcome"] == BackfillOutcomes.Duplicate);
    }

    [Fact]
    public async Task OnLaunchFailed_ConcurrentDeliveryWhileTheFirstHoldsTheClaim_Duplicate()
    {
        ShortGroup(max: 4);
        await _backfills.TryClaimAsync(Claim("ev-1"), _clock.GetUtcNow(), CancellationToken.None);

        DispatchResult result = await Backfill().OnLaunchFailedAsync(Failed("ev-2"), CancellationToken.None);

        Assert.Equal(DispatchStatus.Duplicate, result.Status);
        Assert.Contains("in progress", result.Reason, StringComparison.Ordinal);
        Assert.Empty(_launcher.Attempts);
    }

    [Fact]
    public async Task OnLaunchFailed_KeyOff_NothingLaunched()
    {
        ShortGroup(max: 4);
        _configs.Add(Config() with { IsToHandleScalingFailure = false });

        DispatchResult result = await Backfill().OnLaunchFailedAsync(Failed("ev-1"), CancellationToken.None);

        Assert.Equal(DispatchStatus.NoOp, result.Status);
        Assert.StartsWith("is_to_handle_scaling_failure is off", result.Reason, StringComparison.Ordinal);
        Assert.Empty(_launcher.Attempts);
        Assert.Empty(_autoScaling.Calls);
        Assert.Null(await _backfills.GetAsync(Group, Activity, CancellationToken.None));
    }

    [Fact]
    public async Task OnLaunchFailed_UnmanagedGroup_NoOpNoMetric()
    {
        ShortGroup(max: 4);

        DispatchResult result = await Backfill().OnLaunchFailedAsync(Failed("ev-1", group: "other"), CancellationToken.None);

        Assert.Equal(DispatchStatus.NoOp, result.Status);
        Assert.Empty(_launcher.Attempts);
        Assert.Empty(_metrics.Records);
    }

    [Fact]
    public async Task OnLaunchFailed_GroupAtMaxSize_MaxRaisedForTheAttachAndRestored()
    {
        ShortGroup(max: 3);

        DispatchResult result = await Backfill().OnLaunchFailedAsync(Failed("ev-1"), CancellationToken.None);

        Assert.Equal(
            ["Update min=- max=4", $"Attach {result.InstanceId}", "SetDesired 3", "Update min=- max=3"],
            _autoScaling.Calls);
        AutoScalingGroupInfo after = _autoScaling.Snapshot(Group);
        Assert.Equal((3, 3, 3), (after.DesiredCapacity, after.MaxSize, after.Instances.Count));
        Assert.Contains("MaxSize restored to 3", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnLaunchFailed_DryRun_SaysWhatItWouldDoChangesNothing()
    {
        ShortGroup(max: 3);
        _configs.Add(Config() with { DryRun = true });

        DispatchResult result = await Backfill().OnLaunchFailedAsync(Failed("ev-1", zone: "us-east-1b"), CancellationToken.None);

        Assert.True(result.DryRun);
        Assert.Equal(DispatchStatus.NoOp, result.Status);
        Assert.Contains("would launch one successor (m5.large/spot, c5.large/spot, m5.large/on-demand, c5.large/on-demand)", result.Reason, StringComparison.Ordinal);
        Assert.Contains("avoiding m5.large in us-east-1b", result.Reason, StringComparison.Ordinal);
        Assert.Contains("MaxSize 3 raised by one, then restored", result.Reason, StringComparison.Ordinal);
        Assert.Empty(_launcher.Attempts);
        Assert.Empty(_autoScaling.Calls);
        Assert.Null(await _backfills.GetAsync(Group, Activity, CancellationToken.None));
        Assert.Single(_metrics.Records, r => r.Name == "Backfills" && r.Dimensions!["Outcome"] == BackfillOutcomes.DryRun);
    }

    [Fact]
    public async Task OnLaunchFailed_RunDiedBeforeTheAttach_RedeliveryAttachesTheSameSuccessor()
    {
        ShortGroup(max: 4);
        _autoScaling.Errors["Attach"] = new Queue<RemoteApiException>([new RemoteApiException("autoscaling", "Throttling", "Rate exceeded", 400)]);
        GroupBackfill backfill = Backfill();

        await Assert.ThrowsAsync<RemoteApiException>(() => backfill.OnLaunchFailedAsync(Failed("ev-1"), CancellationToken.None));
        DispatchResult retried = await backfill.OnLaunchFailedAsync(Failed("ev-1"), CancellationToken.None);

        Assert.Equal(DispatchStatus.Started, retried.Status);
        Assert.Single(_launcher.Launched);
        string successor = retried.InstanceId!;
        Assert.Equal([$"Attach {successor}", "SetDesired 3"], _autoScaling.Calls);
        Assert.Equal(3, _autoScaling.Snapshot(Group).DesiredCapacity);
        Assert.Single(_metrics.Records, r => r.Name == "Backfills" && r.Dimensions!["Outcome"] == BackfillOutcomes.Failed);
    }

    [Fact]
    public async Task OnLaunchFailed_RunDiedAfterTheAttach_RedeliveryPutsDesiredBackWithoutAttachingAgain()
    {
        ShortGroup(max: 4);
        _autoScaling.Errors["SetDesired"] = new Queue<RemoteApiException>([new RemoteApiException("autoscaling", "Throttling", "Rate exceeded", 400)]);
        GroupBackfill backfill = Backfill();

        await Assert.ThrowsAsync<RemoteApiException>(() => backfill.OnLaunchFailedAsync(Failed("ev-1"), CancellationToken.None));
        Assert.Equal(4, _autoScaling.Snapshot(Group).DesiredCapacity);
        DispatchResult retried = await backfill.OnLaunchFailedAsync(Failed("ev-1"), CancellationToken.None);

        Assert.Equal(DispatchStatus.Started, retried.Status);
        Assert.Single(_launcher.Launched);
        Assert.Equal([$"Attach {retried.InstanceId}", "SetDesired 3"], _autoScaling.Calls);
        Assert.Equal(3, _autoScaling.Snapshot(Group).DesiredCapacity);
    }

    [Fact]
    public async Task OnLaunchFailed_NoCapacityAnywhere_DoneWithNoCapacityGroupUntouched()
    {
        ShortGroup(max: 4);
        foreach (string candidate in new[] { "m5.large/spot", "c5.large/spot", "m5.large/on-demand", "c5.large/on-demand" })
        {
            _launcher.FailWith[candidate] = "InsufficientInstanceCapacity";
        }

        DispatchResult result = await Backfill().OnLaunchFailedAsync(Failed("ev-1"), CancellationToken.None);

        Assert.Equal(DispatchStatus.NoOp, result.Status);
        Assert.StartsWith("no capacity for a backfill of web", result.Reason, StringComparison.Ordinal);
        Assert.Empty(_autoScaling.Calls);
        Assert.Equal(BackfillStatus.Done, (await _backfills.GetAsync(Group, Activity, CancellationToken.None))!.Status);
        Assert.Single(_metrics.Records, r => r.Name == "Backfills" && r.Dimensions!["Outcome"] == BackfillOutcomes.NoCapacity);
    }

    /// <summary>Three members, desired 3, then one lost without a replacement (the group's launch failed): short by one.</summary>
    private void ShortGroup(int max)
    {
        _autoScaling.AddGroup(Group, min: 1, max: max, ["i-00000000000000001", "i-00000000000000002", "i-00000000000000003"], overrides: ["m5.large", "c5.large"]);
        _autoScaling.Remove(Group, "i-00000000000000003");
    }

    private static GroupConfig Config() => new() { GroupName = Group };

    private BackfillRecord Claim(string eventId) => new()
    {
        GroupName = Group,
        ActivityId = Activity,
        EventId = eventId,
        ClaimedAt = _clock.GetUtcNow(),
        LeaseUntil = _clock.GetUtcNow().AddSeconds(75),
        ExpiresAt = _clock.GetUtcNow().AddDays(1),
    };

    private GroupBackfill Backfill() => new(
        _configs, _autoScaling, _inventory, _launcher, _backfills, new BackfillOptions(), _clock, _metrics, NullLogger.Instance);

    private static MaxGroupEvent.AutoScalingLaunch Failed(string eventId, string group = Group, string? zone = null) => new(
        new EventBridgeEvent<AutoScalingLaunchDetail>
        {
            Id = eventId,
            DetailType = DetailTypes.LaunchUnsuccessful,
            Source = "aws.autoscaling",
            Time = new DateTimeOffset(2026, 11, 24, 8, 15, 9, TimeSpan.Zero),
            Detail = new AutoScalingLaunchDetail(group, null, "Failed")
            {
                ActivityId = Activity,
                AvailabilityZone = zone,
                StatusMessage = "We currently do not have sufficient m5.large capacity in the Availability Zone you requested (us-east-1b). Launching EC2 instance failed.",
            },
        },
        Successful: false);
}
