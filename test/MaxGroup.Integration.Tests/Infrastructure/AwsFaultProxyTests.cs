using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace MaxGroup.Integration.Tests.Infrastructure;

/// <summary>The fault proxy itself: it forwards faithfully, logs calls, and injects what its plan says.</summary>
[Collection(MotoCollection.Name)]
public sealed class AwsFaultProxyTests(MotoFixture moto)
{
    [Fact]
    public async Task Proxy_NoFaults_ForwardsAndLogsCalls()
    {
        await moto.ResetAsync();
        await using AwsFaultProxy proxy = await AwsFaultProxy.StartAsync(moto.Endpoint);
        using AmazonS3Client s3 = S3Through(proxy.Endpoint, maxErrorRetry: 0);

        await s3.PutBucketAsync("fault-proxy-plain");
        ListBucketsResponse buckets = await s3.ListBucketsAsync();

        Assert.Contains(buckets.Buckets, b => b.BucketName == "fault-proxy-plain");
        Assert.All(proxy.Calls, c => Assert.Equal("s3", c.Service));
        Assert.Equal(2, proxy.Calls.Count);
        Assert.All(proxy.Calls, c => Assert.Equal("none", c.Fault));
    }

    [Fact]
    public async Task Proxy_AlwaysThrottle_ClientSeesThrottlingCode()
    {
        await moto.ResetAsync();
        await using AwsFaultProxy proxy = await AwsFaultProxy.StartAsync(moto.Endpoint, new FaultPlan { Throttle = 1.0 });
        using AmazonS3Client s3 = S3Through(proxy.Endpoint, maxErrorRetry: 0);

        AmazonS3Exception error = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.ListBucketsAsync());

        Assert.Equal("SlowDown", error.ErrorCode);
        Assert.Equal("throttle", Assert.Single(proxy.Calls).Fault);
    }

    [Fact]
    public async Task Proxy_DropAfter_CallTakesEffectUpstreamButClientGetsNoAnswer()
    {
        await moto.ResetAsync();
        await using AwsFaultProxy proxy = await AwsFaultProxy.StartAsync(moto.Endpoint, new FaultPlan { DropAfter = 1.0 });
        using AmazonS3Client s3 = S3Through(proxy.Endpoint, maxErrorRetry: 0);

        await Assert.ThrowsAnyAsync<Exception>(() => s3.PutBucketAsync("fault-proxy-dropped"));

        using AmazonS3Client direct = S3Through(moto.Endpoint, maxErrorRetry: 0);
        ListBucketsResponse buckets = await direct.ListBucketsAsync();
        Assert.Contains(buckets.Buckets, b => b.BucketName == "fault-proxy-dropped");
    }

    [Fact]
    public async Task Proxy_SameSeed_SameFaultSequence()
    {
        await moto.ResetAsync();
        var plan = new FaultPlan { Throttle = 0.3, ServerError = 0.2, Seed = 42 };
        var sequences = new List<string>();
        for (int run = 0; run < 2; run++)
        {
            await using AwsFaultProxy proxy = await AwsFaultProxy.StartAsync(moto.Endpoint, plan);
            using AmazonS3Client s3 = S3Through(proxy.Endpoint, maxErrorRetry: 0);
            for (int i = 0; i < 20; i++)
            {
                try
                {
                    await s3.ListBucketsAsync();
                }
                catch (AmazonServiceException)
                {
                }
            }

            sequences.Add(string.Join(",", proxy.Calls.Select(c => c.Fault)));
        }

        Assert.Equal(sequences[0], sequences[1]);
        Assert.Contains("throttle", sequences[0], StringComparison.Ordinal);
        Assert.Contains("5xx", sequences[0], StringComparison.Ordinal);
        Assert.Contains("none", sequences[0], StringComparison.Ordinal);
    }

    private static AmazonS3Client S3Through(string endpoint, int maxErrorRetry) =>
        new(new BasicAWSCredentials("testing", "testing"), new AmazonS3Config
        {
            ServiceURL = endpoint,
            ForcePathStyle = true,
            AuthenticationRegion = MotoFixture.Region,
            MaxErrorRetry = maxErrorRetry,
        });
}
