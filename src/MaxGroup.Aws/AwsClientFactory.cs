using Amazon;
using Amazon.DynamoDBv2;
using Amazon.EC2;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Amazon.S3;
using Amazon.SecurityToken;
using Amazon.SimpleSystemsManagement;
using MaxGroup.Aws.AutoScaling;
using MaxGroup.Aws.Ec2;
using MaxGroup.Aws.Eks;
using MaxGroup.Aws.Events;
using MaxGroup.Aws.Lambda;
using MaxGroup.Aws.Signing;

namespace MaxGroup.Aws;

/// <summary>
/// Creates every AWS client MaxGroup uses, each once and only when first asked for (init stays cheap): the AWSSDK v4
/// clients (EC2, S3, DynamoDB, STS, SSM) and the signed-client adapters (AutoScaling, Lambda Invoke, EKS).
/// Region and endpoint overrides come from <see cref="AwsEnvironment"/>; credentials from AWSSDK.Core's default chain.
/// </summary>
/// <remarks>
/// AWSSDK v4 already reads AWS_ENDPOINT_URL(_SERVICE) from the process environment when a config is built. The factory
/// switches that off (<see cref="ClientConfig.IgnoreConfiguredEndpointUrls"/>) and sets <see cref="ClientConfig.ServiceURL"/>
/// from its own <see cref="AwsEnvironment"/> instead, so SDK clients and signed clients follow one explicit, tested rule.
/// </remarks>
public sealed class AwsClientFactory : IDisposable
{
    private readonly AwsEnvironment _environment;
    private readonly TimeProvider _clock;
    private readonly AwsRetryOptions _retry;
    private readonly Lazy<AWSCredentials> _credentials;
    private readonly Lazy<HttpClient> _http;
    private readonly Lazy<IAmazonEC2> _ec2;
    private readonly Lazy<IAmazonS3> _s3;
    private readonly Lazy<IAmazonDynamoDB> _dynamoDb;
    private readonly Lazy<IAmazonSecurityTokenService> _sts;
    private readonly Lazy<IAmazonSimpleSystemsManagement> _ssm;
    private readonly Lazy<AutoScalingClient> _autoScaling;
    private readonly Lazy<LambdaInvokeClient> _lambda;
    private readonly Lazy<EksClient> _eks;
    private readonly Lazy<EventBridgeClient> _events;

    /// <param name="environment">Region and endpoint variables; <see cref="AwsEnvironment.FromProcess"/> in Lambda and the CLI.</param>
    /// <param name="clock">Signing time and retry waits.</param>
    /// <param name="credentials">Null = AWSSDK.Core's default chain (environment variables in Lambda).</param>
    /// <param name="retry">Retry budget of the signed clients; null = <see cref="AwsRetryOptions.Default"/>.</param>
    public AwsClientFactory(AwsEnvironment environment, TimeProvider clock, AWSCredentials? credentials = null, AwsRetryOptions? retry = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(clock);
        _environment = environment;
        _clock = clock;
        _retry = retry ?? AwsRetryOptions.Default;
        // The default chain is resolved on the first signed request, not when a client is built: building a handler
        // (init) must not fail or wait on credentials it may never use.
        _credentials = new(() => credentials ?? new DeferredCredentials(() => DefaultAWSCredentialsIdentityResolver.GetCredentials(null)));
        _http = new(CreateHttpClient);
        // Capacity errors reach Core at once (moving to the next pool), not after the SDK retried the dry pool.
        _ec2 = new(() => new CapacityAwareEc2Client(_credentials.Value, Configure(new AmazonEC2Config(), AwsService.Ec2)));
        _s3 = new(() =>
        {
            var config = Configure(new AmazonS3Config(), AwsService.S3);
            // Emulators (moto) serve buckets on their path, not as virtual-host subdomains of 127.0.0.1.
            config.ForcePathStyle = environment.EndpointOverride(AwsService.S3) is not null;
            return new AmazonS3Client(_credentials.Value, config);
        });
        _dynamoDb = new(() => new AmazonDynamoDBClient(_credentials.Value, Configure(new AmazonDynamoDBConfig(), AwsService.DynamoDb)));
        _sts = new(() => new AmazonSecurityTokenServiceClient(_credentials.Value, Configure(new AmazonSecurityTokenServiceConfig(), AwsService.Sts)));
        _ssm = new(() => new AmazonSimpleSystemsManagementClient(_credentials.Value, Configure(new AmazonSimpleSystemsManagementConfig(), AwsService.Ssm)));
        _autoScaling = new(() => new AutoScalingClient(CreateSignedClient(AwsService.AutoScaling)));
        _lambda = new(() => new LambdaInvokeClient(CreateSignedClient(AwsService.Lambda)));
        _eks = new(() => new EksClient(CreateSignedClient(AwsService.Eks)));
        _events = new(() => new EventBridgeClient(CreateSignedClient(AwsService.EventBridge)));
    }

    /// <summary>A factory over the process environment and the system clock: what the composition root uses.</summary>
    public static AwsClientFactory FromProcess() => new(AwsEnvironment.FromProcess(), TimeProvider.System);

    public string Region => _environment.RequireRegion();

    public IAmazonEC2 Ec2 => _ec2.Value;

    public IAmazonS3 S3 => _s3.Value;

    public IAmazonDynamoDB DynamoDb => _dynamoDb.Value;

    public IAmazonSecurityTokenService Sts => _sts.Value;

    public IAmazonSimpleSystemsManagement Ssm => _ssm.Value;

    public AutoScalingClient AutoScaling => _autoScaling.Value;

    public LambdaInvokeClient Lambda => _lambda.Value;

    public EksClient Eks => _eks.Value;

    /// <summary>EventBridge PutEvents, for the hand-over events.</summary>
    public EventBridgeClient Events => _events.Value;

    /// <summary>The endpoint the signed client for <paramref name="service"/> calls (override or regional default).</summary>
    public Uri EndpointFor(AwsService service) => _environment.Endpoint(service, Region);

    /// <summary>A signed client for any service, sharing this factory's HTTP connection pool and credentials.</summary>
    public AwsSignedHttpClient CreateSignedClient(AwsService service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return new AwsSignedHttpClient(_http.Value, service, Region, EndpointFor(service), _credentials.Value, _clock, _retry);
    }

    public void Dispose()
    {
        DisposeIfCreated(_ec2);
        DisposeIfCreated(_s3);
        DisposeIfCreated(_dynamoDb);
        DisposeIfCreated(_sts);
        DisposeIfCreated(_ssm);
        DisposeIfCreated(_http);
    }

    private TConfig Configure<TConfig>(TConfig config, AwsService service)
        where TConfig : ClientConfig
    {
        config.IgnoreConfiguredEndpointUrls = true;
        config.RegionEndpoint = RegionEndpoint.GetBySystemName(Region);
        Uri? endpoint = _environment.EndpointOverride(service);
        if (endpoint is not null)
        {
            config.ServiceURL = endpoint.ToString();
            // ServiceURL replaces the regional endpoint, so the signing region must be said explicitly.
            config.AuthenticationRegion = Region;
        }

        return config;
    }

    private static HttpClient CreateHttpClient()
    {
        var handler = new SocketsHttpHandler
        {
            // Long-lived Lambda environments must notice DNS changes of the AWS endpoints.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };

        // Attempts are timed by the signed client (AwsRetryOptions.AttemptTimeout), not by HttpClient.
        return new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    private static void DisposeIfCreated<T>(Lazy<T> lazy)
    {
        if (lazy.IsValueCreated && lazy.Value is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }

    /// <summary>Credentials resolved from the default chain on first use, once.</summary>
    private sealed class DeferredCredentials(Func<AWSCredentials> resolve) : AWSCredentials
    {
        private readonly Lazy<AWSCredentials> _resolved = new(resolve);

        public override ImmutableCredentials GetCredentials() => _resolved.Value.GetCredentials();

        public override Task<ImmutableCredentials> GetCredentialsAsync() => _resolved.Value.GetCredentialsAsync();
    }
}
