namespace MaxGroup.Core.Ports;

/// <summary>
/// An error answered by a remote API (AWS, Kubernetes, Consul), with its code. Adapters translate their SDK's
/// exceptions into this so that the domain can decide on codes without naming SDK types.
/// </summary>
public class RemoteApiException : Exception
{
    public RemoteApiException(string service, string errorCode, string message, int statusCode = 0, Exception? inner = null)
        : base($"{service}: {errorCode}: {message}", inner)
    {
        Service = service;
        ErrorCode = errorCode;
        StatusCode = statusCode;
    }

    public RemoteApiException()
        : this("unknown", "Unknown", "remote API error")
    {
    }

    public RemoteApiException(string message)
        : this("unknown", "Unknown", message)
    {
    }

    public RemoteApiException(string message, Exception innerException)
        : this("unknown", "Unknown", message, 0, innerException)
    {
    }

    /// <summary>autoscaling, ec2, lambda, eks, s3, dynamodb, kubernetes, consul...</summary>
    public string Service { get; }

    /// <summary>The API's error code, e.g. Throttling, ValidationError, ScalingActivityInProgress.</summary>
    public string ErrorCode { get; }

    /// <summary>HTTP status, 0 when the request never got an answer.</summary>
    public int StatusCode { get; }

    public bool IsThrottling => ErrorCode is "Throttling" or "ThrottlingException" or "RequestLimitExceeded"
        or "TooManyRequestsException" or "ProvisionedThroughputExceededException" or "SlowDown";

    /// <summary>Worth retrying after a backoff: throttling, server errors, no answer.</summary>
    public bool IsRetryable => IsThrottling || StatusCode >= 500 || StatusCode == 0
        || ErrorCode is "ResourceContention" or "ScalingActivityInProgress";
}
