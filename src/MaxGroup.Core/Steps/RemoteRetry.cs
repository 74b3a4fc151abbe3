using MaxGroup.Core.Ports;

namespace MaxGroup.Core.Steps;

/// <summary>
/// How a step tries a remote call again after a retryable answer (<see cref="RemoteApiException.IsRetryable"/>:
/// throttling, a 5xx, no answer) beyond the SDK's own retries: the wait is on the injected clock, so a test's fake clock
/// drives it, and ends with the step's token (the step's deadline as the runner made it); none begins after
/// <see cref="MaxAttempts"/> or that would end after <see cref="StopBy"/>. Any other error, and the last, reach the caller as they came.
/// </summary>
/// <param name="clock">The step's clock.</param>
/// <param name="backoff">The wait after the given failed attempt (1 for the first).</param>
public sealed class RemoteRetry(TimeProvider clock, Func<int, TimeSpan> backoff)
{
    /// <summary>How many times the call is made at most.</summary>
    public int MaxAttempts { get; init; } = int.MaxValue;

    /// <summary>No wait that would end after this (the reclaim time, for calls that are pointless after it); null: none.</summary>
    public DateTimeOffset? StopBy { get; init; }

    /// <summary>Retryable by its status but not worth the same call again (a capacity error: the caller moves on).</summary>
    public Func<RemoteApiException, bool>? Futile { get; init; }

    /// <summary>Told of each retry before its wait: the error, the attempt that failed, the wait (for the caller's log line).</summary>
    public Action<RemoteApiException, int, TimeSpan>? Retrying { get; init; }

    /// <summary>A back-off that doubles from <paramref name="first"/> after each failure, up to <paramref name="max"/>.</summary>
    public static Func<int, TimeSpan> Doubling(TimeSpan first, TimeSpan max) => attempt =>
    {
        TimeSpan wait = first;
        for (int i = 1; i < attempt && wait != max; i++)
        {
            wait = wait * 2 < max ? wait * 2 : max;
        }

        return wait;
    };

    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await call(cancellationToken);
            }
            catch (RemoteApiException ex) when (WorthAnotherTry(ex, attempt, out TimeSpan wait))
            {
                Retrying?.Invoke(ex, attempt, wait);
                await Task.Delay(wait, clock, cancellationToken);
            }
        }
    }

    private bool WorthAnotherTry(RemoteApiException ex, int attempt, out TimeSpan wait)
    {
        wait = backoff(attempt);
        return ex.IsRetryable
            && attempt < MaxAttempts
            && Futile?.Invoke(ex) != true
            && (StopBy is not { } stopBy || clock.GetUtcNow() + wait <= stopBy);
    }
}
