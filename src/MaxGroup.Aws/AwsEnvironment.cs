namespace MaxGroup.Aws;

/// <summary>
/// Region and endpoint overrides read from environment variables with the precedence the AWS SDKs define:
/// `AWS_ENDPOINT_URL_&lt;SERVICE&gt;` wins over `AWS_ENDPOINT_URL`, both are ignored when
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`; the region is `AWS_REGION`, else `AWS_DEFAULT_REGION`.
/// </summary>
/// <remarks>
/// AWSSDK v4 reads the endpoint variables itself when a client config is constructed, but only from the process
/// environment; resolving them here once keeps SDK clients and our signed clients on the same rule and lets tests
/// pass an environment without mutating the process.
/// </remarks>
public sealed class AwsEnvironment(Func<string, string?> getVariable)
{
    public const string GlobalEndpointVariable = "AWS_ENDPOINT_URL";
    public const string IgnoreEndpointsVariable = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS";
    public const string RegionVariable = "AWS_REGION";
    public const string DefaultRegionVariable = "AWS_DEFAULT_REGION";

    private readonly Func<string, string?> _getVariable = getVariable ?? throw new ArgumentNullException(nameof(getVariable));

    /// <summary>Reads the process environment (Lambda and the CLI).</summary>
    public static AwsEnvironment FromProcess() => new(Environment.GetEnvironmentVariable);

    /// <summary>Builds an environment from a fixed set of variables (tests, tools).</summary>
    public static AwsEnvironment FromVariables(IReadOnlyDictionary<string, string> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        return new(name => variables.TryGetValue(name, out string? value) ? value : null);
    }

    /// <summary>The configured region, or null when neither variable is set.</summary>
    public string? Region => NonEmpty(RegionVariable) ?? NonEmpty(DefaultRegionVariable);

    /// <summary>The configured region; throws naming the variables when none is set.</summary>
    public string RequireRegion() => Region
        ?? throw new InvalidOperationException($"No AWS region: set {RegionVariable} (or {DefaultRegionVariable}).");

    /// <summary>The endpoint override for <paramref name="service"/>, or null when the service's default endpoint applies.</summary>
    public Uri? EndpointOverride(AwsService service)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (string.Equals(NonEmpty(IgnoreEndpointsVariable), "true", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        string? value = NonEmpty(service.EndpointVariable) ?? NonEmpty(GlobalEndpointVariable);
        if (value is null)
        {
            return null;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            string source = NonEmpty(service.EndpointVariable) is null ? GlobalEndpointVariable : service.EndpointVariable;
            throw new InvalidOperationException($"{source} is not an absolute http(s) URL: '{value}'.");
        }

        return uri;
    }

    /// <summary>The endpoint to call: the override, else the service's regional AWS endpoint.</summary>
    public Uri Endpoint(AwsService service, string region)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentException.ThrowIfNullOrEmpty(region);
        Uri? overridden = EndpointOverride(service);
        if (overridden is not null)
        {
            return overridden;
        }

        string suffix = region.StartsWith("cn-", StringComparison.Ordinal) ? "amazonaws.com.cn" : "amazonaws.com";
        return new Uri($"https://{service.EndpointPrefix}.{region}.{suffix}/");
    }

    private string? NonEmpty(string name)
    {
        string? value = _getVariable(name);
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }
}
