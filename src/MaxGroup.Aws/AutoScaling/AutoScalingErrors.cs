using MaxGroup.Core.Ports;

namespace MaxGroup.Aws.AutoScaling;

/// <summary>
/// The Auto Scaling error codes MaxGroup decides on, as predicates over <see cref="RemoteApiException"/>
/// (throttling is <see cref="RemoteApiException.IsThrottling"/>).
/// </summary>
public static class AutoScalingErrors
{
    public const string Throttling = "Throttling";
    public const string ValidationError = "ValidationError";
    public const string ScalingActivityInProgress = "ScalingActivityInProgress";
    public const string ResourceContention = "ResourceContention";
    public const string AlreadyExists = "AlreadyExists";
    public const string LimitExceeded = "LimitExceeded";

    /// <summary>The request was refused as invalid (for example: instance not in the group, size out of range).</summary>
    public static bool IsValidationError(this RemoteApiException error) => Is(error, ValidationError);

    /// <summary>Another scaling activity holds the group; try again shortly.</summary>
    public static bool IsScalingActivityInProgress(this RemoteApiException error) => Is(error, ScalingActivityInProgress);

    /// <summary>Auto Scaling is busy with the same resource; try again shortly.</summary>
    public static bool IsResourceContention(this RemoteApiException error) => Is(error, ResourceContention);

    private static bool Is(RemoteApiException? error, string code) =>
        error is not null && string.Equals(error.Service, "autoscaling", StringComparison.Ordinal) && string.Equals(error.ErrorCode, code, StringComparison.Ordinal);
}
