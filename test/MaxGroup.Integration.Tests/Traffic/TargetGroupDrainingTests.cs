using System.Xml.Linq;
using Amazon.EC2;
using Amazon.EC2.Model;
using MaxGroup.Aws.LoadBalancing;
using MaxGroup.Aws.Signing;

namespace MaxGroup.Integration.Tests.Traffic;

/// <summary>
/// The demo proxy's ELBv2 draining (<see cref="TargetGroupDraining"/>) in front of moto, which drops a deregistered
/// target at once: AWS's answers are draining for the deregistration delay, then gone; a RegisterTargets ends it.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class TargetGroupDrainingTests(MotoFixture moto) : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
    private TargetGroupDraining _draining = null!;
    private SerializingDynamoDbProxy _proxy = null!;
    private AwsClientFactory _factory = null!;
    private ElasticLoadBalancingClient _elb = null!;

    public async Task InitializeAsync()
    {
        await moto.ResetAsync();
        _draining = new TargetGroupDraining(_clock);
        _proxy = await SerializingDynamoDbProxy.StartAsync(moto.Endpoint, _draining);
        _factory = AwsTestClients.EndpointFactory(_proxy.Endpoint, AwsTestClients.FastRetry());
        _elb = new ElasticLoadBalancingClient(
            _factory.CreateSignedClient(MaxGroup.Aws.AwsService.ElasticLoadBalancingV2),
            _factory.CreateSignedClient(MaxGroup.Aws.AwsService.ElasticLoadBalancing));
    }

    public async Task DisposeAsync()
    {
        _factory.Dispose();
        await _proxy.DisposeAsync();
    }

    [Fact]
    public async Task Deregister_DelaySet_DrainingForTheDelayThenGone()
    {
        (string arn, string instance) = await RegisteredAsync(delaySeconds: 60);

        await _elb.DeregisterTargetsAsync(arn, [new TargetHealth(instance, 80, "healthy")], CancellationToken.None);
        TargetHealth draining = Assert.Single(await _elb.DescribeTargetHealthAsync(arn, [], CancellationToken.None));
        _clock.Advance(TimeSpan.FromSeconds(59));
        TargetHealth stillDraining = Assert.Single(await _elb.DescribeTargetHealthAsync(arn, [new TargetHealth(instance, null, "")], CancellationToken.None));
        _clock.Advance(TimeSpan.FromSeconds(2));
        IReadOnlyList<TargetHealth> listed = await _elb.DescribeTargetHealthAsync(arn, [], CancellationToken.None);
        TargetHealth asked = Assert.Single(await _elb.DescribeTargetHealthAsync(arn, [new TargetHealth(instance, null, "")], CancellationToken.None));

        Assert.Equal(("draining", "Target.DeregistrationInProgress", 80), (draining.State, draining.Reason, draining.Port));
        Assert.True(stillDraining.IsDraining);
        Assert.Empty(listed);
        Assert.Equal(("unused", "Target.NotRegistered"), (asked.State, asked.Reason));
        TargetDeregistration record = Assert.Single(_draining.Deregistrations);
        Assert.Equal((arn, instance, _clock.GetUtcNow() - TimeSpan.FromSeconds(61)), (record.TargetGroupArn, record.TargetId, record.At));
        Assert.Equal(TimeSpan.FromSeconds(60), _draining.DelayOf(arn));
    }

    [Fact]
    public async Task Register_AfterDeregister_EmulatorsAnswerAgain()
    {
        (string arn, string instance) = await RegisteredAsync(delaySeconds: null);
        await _elb.DeregisterTargetsAsync(arn, [new TargetHealth(instance, null, "healthy")], CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(299));
        Assert.True(Assert.Single(await _elb.DescribeTargetHealthAsync(arn, [], CancellationToken.None)).IsDraining);

        await _elb.CallTargetGroupsAsync(V2("RegisterTargets").Add("TargetGroupArn", arn).Add("Targets.member.1.Id", instance), CancellationToken.None);

        Assert.Equal("healthy", Assert.Single(await _elb.DescribeTargetHealthAsync(arn, [], CancellationToken.None)).State);
    }

    /// <summary>A running instance registered in a new instance-type target group (deregistration delay set when given).</summary>
    private async Task<(string Arn, string Instance)> RegisteredAsync(int? delaySeconds)
    {
        IAmazonEC2 ec2 = _factory.Ec2;
        string vpc = (await ec2.DescribeVpcsAsync(new DescribeVpcsRequest())).Vpcs[0].VpcId;
        string instance = (await ec2.RunInstancesAsync(new RunInstancesRequest { ImageId = "ami-12c6146b", InstanceType = InstanceType.T3Micro, MinCount = 1, MaxCount = 1 }))
            .Reservation.Instances[0].InstanceId;
        XElement created = await _elb.CallTargetGroupsAsync(
            V2("CreateTargetGroup").Add("Name", "drain-tg").Add("Protocol", "HTTP").Add("Port", 80).Add("VpcId", vpc).Add("TargetType", "instance"), CancellationToken.None);
        string arn = created.Descendants().First(e => e.Name.LocalName == "TargetGroupArn").Value;
        if (delaySeconds is int delay)
        {
            await _elb.CallTargetGroupsAsync(
                V2("ModifyTargetGroupAttributes").Add("TargetGroupArn", arn)
                    .Add("Attributes.member.1.Key", ElasticLoadBalancingClient.DeregistrationDelayAttribute).Add("Attributes.member.1.Value", delay),
                CancellationToken.None);
        }

        await _elb.CallTargetGroupsAsync(V2("RegisterTargets").Add("TargetGroupArn", arn).Add("Targets.member.1.Id", instance), CancellationToken.None);
        Assert.Equal("healthy", Assert.Single(await _elb.DescribeTargetHealthAsync(arn, [], CancellationToken.None)).State);
        return (arn, instance);
    }

    private static QueryRequest V2(string action) => new(action, ElasticLoadBalancingClient.ApiVersionV2);
}
