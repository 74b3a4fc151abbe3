using MaxGroup.Aws.Eks;

namespace MaxGroup.Integration.Tests.Aws;

/// <summary>
/// Lambda Invoke (asynchronous) and EKS DescribeCluster against moto. moto's Docker-less Lambda accepts any function
/// name, so the exact request (escaped name, headers, body) is checked by <see cref="LambdaInvokeLoopbackTests"/>;
/// 202 here shows moto took the call as an Event invocation (it answers 200 to RequestResponse).
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class LambdaAndEksMotoTests(MotoFixture moto) : IAsyncLifetime, IDisposable
{
    private readonly AwsClientFactory _factory = AwsTestClients.MotoFactory(moto, AwsTestClients.FastRetry(maxAttempts: 2));

    private Uri Moto => new(moto.Endpoint);

    public Task InitializeAsync() => moto.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task InvokeEvent_FunctionByName_Accepted()
    {
        string role = await MotoLambdaAndEksSetup.CreateRoleAsync(Moto, "maxgroup-fn");
        await MotoLambdaAndEksSetup.CreateFunctionAsync(Moto, "maxgroup-replace", role);

        int status = await _factory.Lambda.InvokeEventAsync("maxgroup-replace", "{\"step\":\"replace\"}"u8.ToArray(), CancellationToken.None);

        Assert.Equal(202, status);
    }

    [Fact]
    public async Task InvokeEvent_FunctionByArn_Accepted()
    {
        string role = await MotoLambdaAndEksSetup.CreateRoleAsync(Moto, "maxgroup-fn");
        string arn = await MotoLambdaAndEksSetup.CreateFunctionAsync(Moto, "maxgroup-volume", role);

        int status = await _factory.Lambda.InvokeEventAsync(arn, "{}"u8.ToArray(), CancellationToken.None);

        Assert.Equal(202, status);
    }

    [Fact]
    public async Task DescribeCluster_ExistingCluster_ReturnsEndpointAndCertificateAuthority()
    {
        string role = await MotoLambdaAndEksSetup.CreateRoleAsync(Moto, "maxgroup-eks");
        string subnet = (await new MotoScene(_factory).DefaultSubnetIdsAsync())[0];
        (string endpoint, string authority) = await MotoLambdaAndEksSetup.CreateClusterAsync(Moto, "prod-eks", role, subnet);

        EksClusterInfo cluster = await _factory.Eks.DescribeClusterAsync("prod-eks", CancellationToken.None);

        Assert.Equal("prod-eks", cluster.Name);
        Assert.Equal(endpoint, cluster.Endpoint);
        Assert.Equal(authority, cluster.CertificateAuthorityData);
        Assert.Contains(":cluster/prod-eks", cluster.Arn, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DescribeCluster_UnknownCluster_ThrowsResourceNotFound()
    {
        RemoteApiException error = await Assert.ThrowsAsync<RemoteApiException>(() => _factory.Eks.DescribeClusterAsync("nope", CancellationToken.None));

        Assert.Equal(("eks", "ResourceNotFoundException"), (error.Service, error.ErrorCode));
    }
}
