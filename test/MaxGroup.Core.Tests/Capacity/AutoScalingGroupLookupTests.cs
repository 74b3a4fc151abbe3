namespace MaxGroup.Core.Tests.Capacity;

public sealed class AutoScalingGroupLookupTests
{
    [Fact]
    public async Task DescribeGroup_KnownAndUnknownNames_TheGroupOrNull()
    {
        var autoScaling = new FakeAutoScaling();
        autoScaling.AddGroup("web", min: 1, max: 3, ["i-00000000000000001"]);

        AutoScalingGroupInfo? web = await autoScaling.DescribeGroupAsync("web", CancellationToken.None);
        AutoScalingGroupInfo? gone = await autoScaling.DescribeGroupAsync("gone", CancellationToken.None);

        Assert.Equal(("web", 3), (web?.Name, web?.MaxSize));
        Assert.Null(gone);
    }
}
