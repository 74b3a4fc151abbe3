namespace MaxGroup.Kubernetes.Budget;

/// <summary>
/// A token bucket shared by every Kubernetes API call of one function instance: at most <see cref="Burst"/>
/// calls at once, refilled at <see cref="Qps"/> per second. aws-node-termination-handler found the client's
/// default 5 QPS too slow for many simultaneous interruptions, and an unbounded drainer can swamp the API server.
/// </summary>
/// <remarks>
/// Not System.Threading.RateLimiting's TokenBucketRateLimiter (11.0.0): it refills from Stopwatch time even when
/// replenished by hand and takes no TimeProvider, so it cannot follow the injected clock the drain's deadline and its
/// tests run on (tried for issue #17: the refill test timed out). This bucket is the small piece that does.
/// </remarks>
public sealed class ApiRateBudget
{
    public const string QpsVariable = "MAXGROUP_K8S_QPS";
    public const string BurstVariable = "MAXGROUP_K8S_BURST";
    public const double DefaultQps = 20;
    public const int DefaultBurst = 40;

    private readonly TimeProvider _clock;
    private readonly object _lock = new();
    private double _tokens;
    private long _lastRefill;

    public ApiRateBudget(double qps, int burst, TimeProvider clock)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(qps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        ArgumentNullException.ThrowIfNull(clock);
        Qps = qps;
        Burst = burst;
        _clock = clock;
        _tokens = burst;
        _lastRefill = clock.GetTimestamp();
    }

    public double Qps { get; }

    public int Burst { get; }

    /// <summary>The clock the budget refills by; the retry handler waits on it too.</summary>
    public TimeProvider Clock => _clock;

    /// <summary>Reads MAXGROUP_K8S_QPS and MAXGROUP_K8S_BURST; unset or invalid values fall back to the defaults.</summary>
    public static ApiRateBudget FromEnvironment(Func<string, string?> environment, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(environment);
        double qps = double.TryParse(environment(QpsVariable), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double q) && q > 0 ? q : DefaultQps;
        int burst = int.TryParse(environment(BurstVariable), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int b) && b > 0 ? b : DefaultBurst;
        return new ApiRateBudget(qps, burst, clock);
    }

    /// <summary>Waits until a call may be made and takes its token.</summary>
    public async ValueTask AcquireAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            TimeSpan wait;
            lock (_lock)
            {
                Refill();
                if (_tokens >= 1)
                {
                    _tokens -= 1;
                    return;
                }

                wait = TimeSpan.FromSeconds((1 - _tokens) / Qps);
            }

            await Task.Delay(wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait, _clock, cancellationToken).ConfigureAwait(false);
        }
    }

    private void Refill()
    {
        long now = _clock.GetTimestamp();
        double elapsed = _clock.GetElapsedTime(_lastRefill, now).TotalSeconds;
        _lastRefill = now;
        _tokens = Math.Min(Burst, _tokens + (elapsed * Qps));
    }
}
