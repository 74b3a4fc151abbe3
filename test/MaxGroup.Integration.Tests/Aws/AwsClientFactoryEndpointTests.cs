using Amazon.EC2.Model;
using Amazon.S3.Model;

namespace MaxGroup.Integration.Tests.Aws;

/// <summary>The factory's endpoint override rule, checked by calls that must (or must not) reach moto.</summary>
[Collection(MotoCollection.Name)]
public sealed class AwsClientFactoryEndpointTests(MotoFixture moto) : IAsyncLifetime
{
    // Nothing listens here: a client sent to it fails, which tells which endpoint it used.
    private const string DeadEndpoint = "http://127.0.0.1:9/";

    private static readonly HttpClient Http = new();

    public Task InitializeAsync() => moto.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task S3_OnlyGlobalEndpointSet_ReachesMotoWithPathStyle()
    {
        using AwsClientFactory factory = Factory(new() { ["AWS_ENDPOINT_URL"] = moto.Endpoint });

        await factory.S3.PutBucketAsync(new PutBucketRequest { BucketName = "maxgroup-config-test" });

        Assert.True(factory.S3.Config is Amazon.S3.AmazonS3Config { ForcePathStyle: true });
        // moto's own view, not the client's: the bucket exists in the emulator.
        string state = await Http.GetStringAsync($"{moto.Endpoint}/moto-api/data.json");
        Assert.Contains("maxgroup-config-test", state, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ec2_ServiceSpecificVariable_WinsOverGlobal()
    {
        using AwsClientFactory factory = Factory(new()
        {
            ["AWS_ENDPOINT_URL"] = DeadEndpoint,
            ["AWS_ENDPOINT_URL_EC2"] = moto.Endpoint,
        });

        DescribeSubnetsResponse subnets = await factory.Ec2.DescribeSubnetsAsync(new DescribeSubnetsRequest());

        Assert.NotEmpty(subnets.Subnets);
        Assert.Equal(DeadEndpoint, factory.S3.Config.ServiceURL);
    }

    [Fact]
    public async Task AutoScaling_ServiceSpecificVariable_WinsOverGlobal()
    {
        using AwsClientFactory factory = Factory(new()
        {
            ["AWS_ENDPOINT_URL"] = DeadEndpoint,
            ["AWS_ENDPOINT_URL_AUTO_SCALING"] = moto.Endpoint,
        });

        Assert.Empty(await factory.AutoScaling.DescribeAutoScalingGroupsAsync([], CancellationToken.None));
        var refused = await Assert.ThrowsAsync<RemoteApiException>(() => factory.Eks.DescribeClusterAsync("c", CancellationToken.None));
        Assert.Equal("ConnectionError", refused.ErrorCode);
    }

    [Fact]
    public void SdkClients_EveryServiceVariable_UsedByItsClient()
    {
        using AwsClientFactory factory = Factory(new()
        {
            ["AWS_ENDPOINT_URL_EC2"] = "http://127.0.0.1:1001/",
            ["AWS_ENDPOINT_URL_S3"] = "http://127.0.0.1:1002/",
            ["AWS_ENDPOINT_URL_DYNAMODB"] = "http://127.0.0.1:1003/",
            ["AWS_ENDPOINT_URL_STS"] = "http://127.0.0.1:1004/",
            ["AWS_ENDPOINT_URL_SSM"] = "http://127.0.0.1:1005/",
            ["AWS_ENDPOINT_URL_AUTO_SCALING"] = "http://127.0.0.1:1006/",
            ["AWS_ENDPOINT_URL_LAMBDA"] = "http://127.0.0.1:1007/",
            ["AWS_ENDPOINT_URL_EKS"] = "http://127.0.0.1:1008/",
        });

        Assert.Equal(
            ["http://127.0.0.1:1001/", "http://127.0.0.1:1002/", "http://127.0.0.1:1003/", "http://127.0.0.1:1004/", "http://127.0.0.1:1005/"],
            [factory.Ec2.Config.ServiceURL, factory.S3.Config.ServiceURL, factory.DynamoDb.Config.ServiceURL, factory.Sts.Config.ServiceURL, factory.Ssm.Config.ServiceURL]);
        Assert.Equal(
            ["http://127.0.0.1:1006/", "http://127.0.0.1:1007/", "http://127.0.0.1:1008/"],
            [factory.EndpointFor(AwsService.AutoScaling).ToString(), factory.EndpointFor(AwsService.Lambda).ToString(), factory.EndpointFor(AwsService.Eks).ToString()]);
        Assert.Equal("us-east-1", factory.S3.Config.AuthenticationRegion);
    }

    [Fact]
    public void SdkClients_NoOverride_UseRegionalEndpoints()
    {
        using AwsClientFactory factory = Factory(new() { ["AWS_REGION"] = "eu-west-1" });

        Assert.Null(factory.Ec2.Config.ServiceURL);
        Assert.Equal("eu-west-1", factory.Ec2.Config.RegionEndpoint?.SystemName);
        Assert.False(((Amazon.S3.AmazonS3Config)factory.S3.Config).ForcePathStyle);
        Assert.Equal(new Uri("https://autoscaling.eu-west-1.amazonaws.com/"), factory.EndpointFor(AwsService.AutoScaling));
        // The SDK's own reading of AWS_ENDPOINT_URL from the process is off: the factory's environment decides alone.
        Assert.True(factory.Ec2.Config.IgnoreConfiguredEndpointUrls);
        Assert.True(factory.S3.Config.IgnoreConfiguredEndpointUrls);
    }

    [Fact]
    public async Task AwsSdkErrors_S3MissingBucket_BecomesRemoteApiExceptionWithCode()
    {
        using AwsClientFactory factory = Factory(new() { ["AWS_ENDPOINT_URL"] = moto.Endpoint });

        RemoteApiException error = await Assert.ThrowsAsync<RemoteApiException>(() =>
            AwsSdkErrors.CallAsync("s3", () => factory.S3.GetObjectAsync("no-such-bucket", "groups/web.json")));

        Assert.Equal(("s3", "NoSuchBucket", 404), (error.Service, error.ErrorCode, error.StatusCode));
    }

    private static AwsClientFactory Factory(Dictionary<string, string> variables)
    {
        variables.TryAdd("AWS_REGION", MotoFixture.Region);
        return new AwsClientFactory(AwsEnvironment.FromVariables(variables), TimeProvider.System, AwsTestClients.TestCredentials, AwsTestClients.FastRetry(maxAttempts: 1));
    }
}
