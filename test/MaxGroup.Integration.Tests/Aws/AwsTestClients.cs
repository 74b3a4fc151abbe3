using Amazon.Runtime;
using MaxGroup.Aws.Signing;

namespace MaxGroup.Integration.Tests.Aws;

/// <summary>Builds the clients under test the way the composition root does, pointed at moto or a loopback server.</summary>
internal static class AwsTestClients
{
    public static readonly AWSCredentials TestCredentials = new BasicAWSCredentials("testing", "testing");

    private static readonly HttpClient Http = new() { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>A factory whose only endpoint setting is AWS_ENDPOINT_URL = moto.</summary>
    public static AwsClientFactory MotoFactory(MotoFixture moto, AwsRetryOptions? retry = null) => EndpointFactory(moto.Endpoint, retry);

    /// <summary>A factory whose only endpoint setting is AWS_ENDPOINT_URL = <paramref name="endpoint"/> (moto, or a proxy in front of it).</summary>
    public static AwsClientFactory EndpointFactory(string endpoint, AwsRetryOptions? retry = null) =>
        new(AwsEnvironment.FromVariables(new Dictionary<string, string>
        {
            [AwsEnvironment.GlobalEndpointVariable] = endpoint,
            [AwsEnvironment.RegionVariable] = MotoFixture.Region,
        }), TimeProvider.System, TestCredentials, retry);

    /// <summary>Retries that finish quickly: tests must not sleep for seconds.</summary>
    public static AwsRetryOptions FastRetry(int maxAttempts = 4) => new()
    {
        MaxAttempts = maxAttempts,
        BaseDelay = TimeSpan.FromMilliseconds(5),
        MaxDelay = TimeSpan.FromMilliseconds(20),
        AttemptTimeout = TimeSpan.FromSeconds(10),
    };

    public static AwsSignedHttpClient SignedClient(
        Uri endpoint,
        AwsService service,
        AwsRetryOptions? retry = null,
        AWSCredentials? credentials = null,
        TimeProvider? clock = null) =>
        new(Http, service, MotoFixture.Region, endpoint, credentials ?? TestCredentials, clock ?? TimeProvider.System, retry ?? FastRetry(), () => 0.5);
}
