using System.Globalization;

namespace MaxGroup.Functions.Runtime;

/// <summary>
/// Reads Lambda-Runtime-Deadline-Ms. Lambda sends Unix epoch milliseconds; emulators such as @vercel/fun send a
/// small number (5000) meant as "milliseconds from now". A value before 2001-09-09 cannot be an epoch deadline of a
/// running function, so it is read as relative.
/// </summary>
public static class LambdaDeadline
{
    /// <summary>Smallest value read as epoch milliseconds (1,000,000,000,000 ms = 2001-09-09T01:46:40Z).</summary>
    public const long MinEpochMilliseconds = 1_000_000_000_000;

    /// <summary>Lambda's maximum timeout; assumed when the header is missing or unreadable so work is not cut short.</summary>
    public static readonly TimeSpan MaxFunctionTimeout = TimeSpan.FromMinutes(15);

    /// <summary>How long before the deadline the invocation's token fires, at most; leaves time to report an error.</summary>
    public static readonly TimeSpan MaxCancellationMargin = TimeSpan.FromMilliseconds(500);

    public static DateTimeOffset Resolve(string? header, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        DateTimeOffset now = time.GetUtcNow();
        if (!long.TryParse(header, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) || value <= 0)
        {
            return now + MaxFunctionTimeout;
        }

        if (value >= MinEpochMilliseconds)
        {
            return DateTimeOffset.FromUnixTimeMilliseconds(value);
        }

        return now + TimeSpan.FromMilliseconds(value);
    }

    /// <summary>
    /// When the invocation's cancellation token fires, measured from now: shortly before the deadline (at most
    /// <see cref="MaxCancellationMargin"/>, at most a quarter of what is left), never negative.
    /// </summary>
    public static TimeSpan CancellationDelay(TimeSpan remaining)
    {
        if (remaining <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        TimeSpan margin = remaining / 4 < MaxCancellationMargin ? remaining / 4 : MaxCancellationMargin;
        TimeSpan delay = remaining - margin;
        // CancellationTokenSource timers accept at most about 49 days; a far-off deadline needs no timer precision.
        return delay > TimeSpan.FromDays(1) ? TimeSpan.FromDays(1) : delay;
    }

    /// <summary>
    /// The one token a handler runs its work under: it fires <paramref name="margin"/> before the invocation's deadline
    /// (almost at once when less is left), so the handler still has time to write its result, or with
    /// <paramref name="cancellationToken"/>. Derived once per invocation, by the handler that knows its margin.
    /// </summary>
    public static CancellationTokenSource CancelBefore(ILambdaContext context, TimeSpan margin, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        TimeSpan left = context.RemainingTime - margin;
        source.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1));
        return source;
    }
}
