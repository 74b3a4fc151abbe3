using MaxGroup.Core.Model;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Steps.Capacity;

/// <summary>
/// How the capacity pieces send their Auto Scaling and EC2 calls: once (preaction, pre-warm: the next scheduled run or
/// redelivery is the retry), or retried on retryable answers for as long as the reclaim deadline leaves room (replace),
/// through the steps' one <see cref="RemoteRetry"/>.
/// </summary>
public sealed class CapacityCalls
{
    private readonly RemoteRetry? _retry;

    private CapacityCalls(RemoteRetry? retry) => _retry = retry;

    /// <summary>Every call goes once; an error reaches the caller as it came.</summary>
    public static CapacityCalls Once { get; } = new(null);

    /// <summary>
    /// ScalingActivityInProgress, ResourceContention, throttling: wait (doubling from <paramref name="firstBackoff"/> up to
    /// <paramref name="maxBackoff"/>) and try again while the wait still fits before <paramref name="deadline"/>.
    /// </summary>
    public static CapacityCalls WithinDeadline(ReclaimDeadline deadline, TimeProvider clock, ILogger logger, TimeSpan firstBackoff, TimeSpan maxBackoff) =>
        new(new RemoteRetry(clock, RemoteRetry.Doubling(firstBackoff, maxBackoff))
        {
            StopBy = deadline.ReclaimAt,
            // Capacity errors come back as HTTP 500 too, but retrying the same pool is futile: the caller moves on.
            Futile = ex => CapacityErrors.IsCapacityError(ex.ErrorCode),
            Retrying = (ex, _, wait) => logger.LogWarning("{Service} answered {ErrorCode}; retrying in {BackoffMs} ms", ex.Service, ex.ErrorCode, wait.TotalMilliseconds),
        });

    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        return _retry is null ? await call(cancellationToken) : await _retry.RunAsync(call, cancellationToken);
    }

    public Task RunAsync(Func<CancellationToken, Task> call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        return RunAsync<bool>(async ct =>
        {
            await call(ct);
            return true;
        }, cancellationToken);
    }
}
