using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Steps.Capacity;

/// <summary>
/// How the capacity pieces send their Auto Scaling and EC2 calls: once (preaction, pre-warm: the next scheduled run or
/// redelivery is the retry), or retried on retryable answers for as long as the reclaim deadline leaves room (replace).
/// </summary>
public sealed class CapacityCalls
{
    private readonly ReclaimDeadline? _deadline;
    private readonly TimeProvider _clock;
    private readonly ILogger? _logger;
    private readonly TimeSpan _firstBackoff;
    private readonly TimeSpan _maxBackoff;

    private CapacityCalls(ReclaimDeadline? deadline, TimeProvider clock, ILogger? logger, TimeSpan firstBackoff, TimeSpan maxBackoff)
    {
        _deadline = deadline;
        _clock = clock;
        _logger = logger;
        _firstBackoff = firstBackoff;
        _maxBackoff = maxBackoff;
    }

    /// <summary>Every call goes once; an error reaches the caller as it came.</summary>
    public static CapacityCalls Once { get; } = new(null, TimeProvider.System, null, TimeSpan.Zero, TimeSpan.Zero);

    /// <summary>
    /// ScalingActivityInProgress, ResourceContention, throttling: wait (doubling from <paramref name="firstBackoff"/> up to
    /// <paramref name="maxBackoff"/>) and try again while the wait still fits before <paramref name="deadline"/>.
    /// </summary>
    public static CapacityCalls WithinDeadline(ReclaimDeadline deadline, TimeProvider clock, ILogger logger, TimeSpan firstBackoff, TimeSpan maxBackoff) =>
        new(deadline, clock, logger, firstBackoff, maxBackoff);

    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        TimeSpan backoff = _firstBackoff;
        while (true)
        {
            try
            {
                return await call(cancellationToken);
            }
            catch (RemoteApiException ex) when (ShouldRetry(ex, backoff))
            {
                // Capacity errors come back as HTTP 500 too, but retrying the same pool is futile: the caller moves on.
                _logger?.LogWarning("{Service} answered {ErrorCode}; retrying in {BackoffMs} ms", ex.Service, ex.ErrorCode, backoff.TotalMilliseconds);
                await Task.Delay(backoff, _clock, cancellationToken);
                backoff = backoff * 2 < _maxBackoff ? backoff * 2 : _maxBackoff;
            }
        }
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

    private bool ShouldRetry(RemoteApiException ex, TimeSpan backoff) =>
        _deadline is { } deadline && ex.IsRetryable && !CapacityErrors.IsCapacityError(ex.ErrorCode) && deadline.CanFit(backoff, _clock);
}
