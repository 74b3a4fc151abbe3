namespace MaxGroup.Aws.Signing;

/// <summary>Retry budget of the signed client: exponential backoff with full jitter.</summary>
public sealed record AwsRetryOptions
{
    /// <summary>Attempts in total, the first included.</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>Upper bound of the first wait; doubles with every retry.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>No single wait is longer than this: the whole budget is two minutes.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one attempt may take before it counts as a connection error.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(20);

    public static AwsRetryOptions Default { get; } = new();

    /// <summary>The full-jitter wait before retry number <paramref name="retry"/> (1-based): uniform in [0, min(cap, base * 2^(retry-1))].</summary>
    public TimeSpan BackoffFor(int retry, double unitRandom)
    {
        double ceiling = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Max(0, retry - 1)));
        return TimeSpan.FromMilliseconds(ceiling * Math.Clamp(unitRandom, 0, 1));
    }
}
