using Amazon.Runtime;
using k8s;
using k8s.Autorest;
using MaxGroup.Aws.Eks;

namespace MaxGroup.Integration.Tests.Kubernetes;

/// <summary>The EKS bearer token: its presigned STS URL, and its refresh before EKS would refuse it.</summary>
public sealed class EksTokenTests
{
    private static readonly DateTimeOffset SignedAt = new(2026, 11, 24, 21, 30, 0, TimeSpan.Zero);

    [Fact]
    public void EksTokenPresigner_Token_DecodesToPresignedGetCallerIdentityForTheCluster()
    {
        var credentials = new ImmutableCredentials(DrainHarness.AccessKey, DrainHarness.SecretKey, "session/token+with=chars");

        string token = EksTokenPresigner.CreateToken(credentials, "eu-west-1", "prod-eks", SignedAt);

        EksTokenChecker.PresignedToken decoded = EksTokenChecker.Decode(token);
        Assert.Equal("https", decoded.Url.Scheme);
        Assert.Equal("sts.eu-west-1.amazonaws.com", decoded.Url.Host);
        Assert.Equal("GetCallerIdentity", decoded.Query["Action"]);
        Assert.Equal("2011-06-15", decoded.Query["Version"]);
        Assert.Equal("60", decoded.Query["X-Amz-Expires"]);
        Assert.Equal("host;x-k8s-aws-id", decoded.Query["X-Amz-SignedHeaders"]);
        Assert.Equal("20261124T213000Z", decoded.Query["X-Amz-Date"]);
        Assert.Equal($"{DrainHarness.AccessKey}/20261124/eu-west-1/sts/aws4_request", decoded.Query["X-Amz-Credential"]);
        Assert.Equal("session/token+with=chars", decoded.Query["X-Amz-Security-Token"]);
        Assert.Matches("^[0-9a-f]{64}$", decoded.Query["X-Amz-Signature"]);
        Assert.Null(EksTokenChecker.Problem(token, "prod-eks", "eu-west-1", DrainHarness.AccessKey, DrainHarness.SecretKey, SignedAt.AddMinutes(1)));
    }

    [Fact]
    public void EksTokenChecker_OtherClusterOrStaleToken_IsRefused()
    {
        string token = EksTokenPresigner.CreateToken(new ImmutableCredentials(DrainHarness.AccessKey, DrainHarness.SecretKey, null), "us-east-1", "prod-eks", SignedAt);

        // The cluster name is only in the signature: a token for another cluster fails there.
        Assert.Equal("signature mismatch", EksTokenChecker.Problem(token, "staging-eks", "us-east-1", DrainHarness.AccessKey, DrainHarness.SecretKey, SignedAt));
        Assert.Equal("expired", EksTokenChecker.Problem(token, "prod-eks", "us-east-1", DrainHarness.AccessKey, DrainHarness.SecretKey, SignedAt.AddMinutes(16)));
        Assert.Null(EksTokenChecker.Problem(token, "prod-eks", "us-east-1", DrainHarness.AccessKey, DrainHarness.SecretKey, SignedAt.AddMinutes(14)));
    }

    [Fact]
    public async Task EksTokenProvider_DefaultCredentialChain_SignsWithEnvironmentCredentials()
    {
        // The same values the moto fixture sets for the whole process, so no other test is disturbed.
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "testing");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "testing");
        using EksTokenProvider provider = EksTokenProvider.ForDefaultCredentials("us-east-1", "prod-eks", TimeProvider.System);

        string token = await provider.GetTokenAsync(CancellationToken.None);

        Assert.Null(EksTokenChecker.Problem(token, "prod-eks", "us-east-1", "testing", "testing", DateTimeOffset.UtcNow));
    }

    [Fact]
    public void EksTokenPresigner_ChinaRegion_UsesTheChinaPartitionHost()
    {
        Assert.Equal("sts.cn-north-1.amazonaws.com.cn", EksTokenPresigner.StsHost("cn-north-1"));
    }

    [Fact]
    public async Task EksTokenProvider_BeforeAndAfterRefreshAge_ReusesThenReplacesTheToken()
    {
        var clock = new FakeTimeProvider(SignedAt);
        using var provider = new EksTokenProvider(new BasicAWSCredentials(DrainHarness.AccessKey, DrainHarness.SecretKey), "us-east-1", "prod-eks", clock);

        string first = await provider.GetTokenAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(9));
        string reused = await provider.GetTokenAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(2));
        string refreshed = await provider.GetTokenAsync(CancellationToken.None);

        Assert.Equal(first, reused);
        Assert.NotEqual(first, refreshed);
        Assert.Equal("20261124T214100Z", EksTokenChecker.Decode(refreshed).Query["X-Amz-Date"]);
    }

    [Fact]
    public async Task EksTokenProvider_TokenAgesPastEksLimit_IsRefreshedAndAcceptedByTheApiServer()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using DrainHarness h = await DrainHarness.StartAsync(tokenClock: clock);
        h.Server.AddNode("node-a", "aws:///us-east-1a/i-0a", DrainHarness.Zone);
        IKubernetes client = await h.ClientAsync();

        Assert.Single((await client.CoreV1.ListNodeAsync()).Items);
        clock.Advance(TimeSpan.FromMinutes(11));
        Assert.Single((await client.CoreV1.ListNodeAsync()).Items);
        clock.Advance(TimeSpan.FromMinutes(11));
        Assert.Single((await client.CoreV1.ListNodeAsync()).Items);

        Assert.Equal(3, h.Server.TokensSeen.Count);
    }

    [Fact]
    public async Task EksTokenProvider_ApiServerRejectsAYoungToken_SignsANewOneAndRetriesOnce()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using DrainHarness h = await DrainHarness.StartAsync(tokenClock: clock);
        h.Server.AddNode("node-a", "aws:///us-east-1a/i-0a", DrainHarness.Zone);
        IKubernetes client = await h.ClientAsync();
        await client.CoreV1.ListNodeAsync();
        string first = Assert.Single(h.Server.TokensSeen);
        clock.Advance(TimeSpan.FromMinutes(2));
        // As if the server's clock ran ahead: tokens signed before now are refused, well before the refresh age.
        DateTimeOffset notBefore = clock.GetUtcNow();
        h.Server.TokenValidator = token => token != first
            && EksTokenChecker.Problem(token, DrainHarness.ClusterName, DrainHarness.Region, DrainHarness.AccessKey, DrainHarness.SecretKey, clock.GetUtcNow()) is null;

        Assert.Single((await client.CoreV1.ListNodeAsync()).Items);

        Assert.Equal(2, h.Server.TokensSeen.Count);
        Assert.Equal(3, h.Server.Requests.Count);
        Assert.Equal(notBefore.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            EksTokenChecker.Decode(h.Server.TokensSeen.Single(t => t != first)).Query["X-Amz-Date"]);
    }

    [Fact]
    public async Task FakeApiServer_TokenOlderThanEksLimit_Answers401()
    {
        // The control for the refresh tests: a client holding a fixed token, no provider to refresh it.
        await using DrainHarness h = await DrainHarness.StartAsync();
        var credentials = new ImmutableCredentials(DrainHarness.AccessKey, DrainHarness.SecretKey, null);
        IKubernetes Client(DateTimeOffset signedAt) => new k8s.Kubernetes(new KubernetesClientConfiguration
        {
            Host = h.Server.Endpoint,
            SslCaCerts = MaxGroup.Kubernetes.Cluster.KubernetesClientFactory.ParseCertificateAuthority(h.Server.Certificates.CaBase64),
            AccessToken = EksTokenPresigner.CreateToken(credentials, DrainHarness.Region, DrainHarness.ClusterName, signedAt),
        });
        using IKubernetes fresh = Client(DateTimeOffset.UtcNow.AddMinutes(-14));
        using IKubernetes aged = Client(DateTimeOffset.UtcNow.AddMinutes(-16));

        Assert.NotNull(await fresh.CoreV1.ListNodeAsync());
        HttpOperationException ex = await Assert.ThrowsAsync<HttpOperationException>(() => aged.CoreV1.ListNodeAsync());

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, ex.Response.StatusCode);
        Assert.Contains("\"reason\":\"Unauthorized\"", ex.Response.Content, StringComparison.Ordinal);
    }
}
