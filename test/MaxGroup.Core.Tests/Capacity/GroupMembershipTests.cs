using MaxGroup.Core.Steps.Capacity;

namespace MaxGroup.Core.Tests.Capacity;

public sealed class GroupMembershipTests
{
    private const string Old = "i-0000000000000000d";
    private const string Successor = "i-0000000000000000e";
    private readonly FakeAutoScaling _autoScaling = new();
    private readonly GroupMembership _membership;

    public GroupMembershipTests() => _membership = new GroupMembership(_autoScaling, NullLogger.Instance);

    [Fact]
    public async Task RaiseMaxSizeIfFull_FullGroup_NotesTheOriginalBeforeRaisingByOne()
    {
        _autoScaling.AddGroup("web", min: 1, max: 2, ["i-00000000000000001", Old]);
        var order = new List<string>();

        int? raisedFrom = await _membership.RaiseMaxSizeIfFullAsync(
            _autoScaling.Snapshot("web"),
            (original, _) =>
            {
                order.Add($"note {original} after {_autoScaling.Calls.Count} calls");
                return Task.CompletedTask;
            },
            CapacityCalls.Once,
            CancellationToken.None);

        Assert.Equal(2, raisedFrom);
        Assert.Equal(["note 2 after 0 calls"], order);
        Assert.Equal(["Update min=- max=3"], _autoScaling.Calls);
        Assert.Equal(3, _autoScaling.Snapshot("web").MaxSize);
    }

    [Fact]
    public async Task RaiseMaxSizeIfFull_RoomLeft_NoNoteNoCall()
    {
        _autoScaling.AddGroup("web", min: 1, max: 5, [Old]);
        bool noted = false;

        int? raisedFrom = await _membership.RaiseMaxSizeIfFullAsync(
            _autoScaling.Snapshot("web"),
            (_, _) =>
            {
                noted = true;
                return Task.CompletedTask;
            },
            CapacityCalls.Once,
            CancellationToken.None);

        Assert.Null(raisedFrom);
        Assert.False(noted);
        Assert.Empty(_autoScaling.Calls);
    }

    [Fact]
    public async Task AttachThenDetachWithDecrement_CapacityEndsWhereItBegan()
    {
        _autoScaling.AddGroup("web", min: 1, max: 5, ["i-00000000000000001", Old]);

        await _membership.AttachAsync("web", Successor, CapacityCalls.Once, CancellationToken.None);
        int? minLowered = await _membership.DetachWithDecrementAsync(_autoScaling.Snapshot("web"), Old, CapacityCalls.Once, CancellationToken.None);

        Assert.Null(minLowered);
        Assert.Equal([$"Attach {Successor}", $"Detach {Old} decrement=True"], _autoScaling.Calls);
        AutoScalingGroupInfo group = _autoScaling.Snapshot("web");
        Assert.Equal(2, group.DesiredCapacity);
        Assert.Equal(["i-00000000000000001", Successor], group.Instances.Select(i => i.InstanceId));
    }

    [Fact]
    public async Task DetachWithDecrement_AtMinSize_LowersMinSizeForTheDetachAndPutsItBack()
    {
        _autoScaling.AddGroup("web", min: 2, max: 2, ["i-00000000000000001", Old]);

        int? minLowered = await _membership.DetachWithDecrementAsync(_autoScaling.Snapshot("web"), Old, CapacityCalls.Once, CancellationToken.None);

        Assert.Equal(2, minLowered);
        // The fake records the refused detach too.
        Assert.Equal([$"Detach {Old} decrement=True", "Update min=1 max=-", $"Detach {Old} decrement=True", "Update min=2 max=-"], _autoScaling.Calls);
        AutoScalingGroupInfo group = _autoScaling.Snapshot("web");
        Assert.Equal((2, 1), (group.MinSize, group.DesiredCapacity));
    }

    [Fact]
    public async Task DetachWithDecrement_OtherValidationError_ReachesTheCaller()
    {
        _autoScaling.AddGroup("web", min: 1, max: 5, ["i-00000000000000001"]);

        RemoteApiException error = await Assert.ThrowsAsync<RemoteApiException>(
            () => _membership.DetachWithDecrementAsync(_autoScaling.Snapshot("web"), Old, CapacityCalls.Once, CancellationToken.None));

        Assert.Contains("not part of", error.Message, StringComparison.Ordinal);
        Assert.Equal([$"Detach {Old} decrement=True"], _autoScaling.Calls);
    }

    [Fact]
    public async Task Detach_WithoutDecrement_TheGroupLaunchesTheReplacement()
    {
        _autoScaling.AddGroup("web", min: 1, max: 5, ["i-00000000000000001", Old]);

        await _membership.DetachAsync("web", Old, decrementDesired: false, CapacityCalls.Once, CancellationToken.None);

        AutoScalingGroupInfo group = _autoScaling.Snapshot("web");
        Assert.Equal(2, group.DesiredCapacity);
        Assert.DoesNotContain(group.Instances, i => i.InstanceId == Old);
        Assert.Equal(2, group.Instances.Count);
    }

    [Fact]
    public async Task RestoreMaxSize_StillRaisedAndDesiredFits_PutsItBack()
    {
        _autoScaling.AddGroup("web", min: 1, max: 3, ["i-00000000000000001", Old]);

        bool restored = await _membership.RestoreMaxSizeAsync("web", 2, CapacityCalls.Once, CancellationToken.None);

        Assert.True(restored);
        Assert.Equal(["Update min=- max=2"], _autoScaling.Calls);
    }

    [Fact]
    public async Task RestoreMaxSize_DesiredStillAboveTheOriginal_LeavesIt()
    {
        _autoScaling.AddGroup("web", min: 1, max: 3, ["i-00000000000000001", Old, Successor]);

        bool restored = await _membership.RestoreMaxSizeAsync("web", 2, CapacityCalls.Once, CancellationToken.None);

        Assert.False(restored);
        Assert.Empty(_autoScaling.Calls);
    }

    [Fact]
    public async Task RestoreMaxSize_AlreadyRestoredOrGroupGone_NoCall()
    {
        _autoScaling.AddGroup("web", min: 1, max: 2, [Old]);

        Assert.False(await _membership.RestoreMaxSizeAsync("web", 2, CapacityCalls.Once, CancellationToken.None));
        Assert.False(await _membership.RestoreMaxSizeAsync("gone", 2, CapacityCalls.Once, CancellationToken.None));
        Assert.Empty(_autoScaling.Calls);
    }
}
