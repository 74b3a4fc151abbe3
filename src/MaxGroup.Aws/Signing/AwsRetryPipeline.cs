using MaxGroup.Core.Ports;
using Polly;
using Polly.Retry;

namespace MaxGroup.Aws.Signing;

/// <summary>
/// The signed client's retries as a Polly pipeline. An attempt's failure arrives as a <see cref="RemoteApiException"/>;
/// it is retried when <see cref="AwsSignedHttpClient.ShouldRetry"/> says so, never when it is an
/// <see cref="AwsSignedHttpClient.AmbiguousOutcome"/> (a non-idempotent call whose answer was lost), and never when the
/// full-jitter wait (<see cref="AwsRetryOptions.BackoffFor"/>) would end at or after the call's deadline: then the
/// caller gets the real error at once, while it can still act on it. Waits are on the client's clock.
/// </summary>
public static class AwsRetryPipeline
{
    private static readonly ResiliencePropertyKey<DateTimeOffset?> DeadlineKey = new("maxgroup.aws.deadline");
    private static readonly ResiliencePropertyKey<TimeSpan> WaitKey = new("maxgroup.aws.wait");

    /// <summary>The pipeline for <paramref name="retry"/>; <paramref name="random"/> is the uniform [0, 1) jitter source.</summary>
    public static ResiliencePipeline<AwsResponse> Create(AwsRetryOptions retry, TimeProvider clock, Func<double> random)
    {
        ArgumentNullException.ThrowIfNull(retry);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(random);
        if (retry.MaxAttempts <= 1)
        {
            return ResiliencePipeline<AwsResponse>.Empty;
        }

        return new ResiliencePipelineBuilder<AwsResponse> { TimeProvider = clock }
            .AddRetry(new RetryStrategyOptions<AwsResponse>
            {
                MaxRetryAttempts = retry.MaxAttempts - 1,
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome, args.AttemptNumber + 1, args.Context, retry, clock, random)),
                // The wait was drawn when the retry was decided, so the deadline check and the wait agree.
                DelayGenerator = static args => ValueTask.FromResult<TimeSpan?>(args.Context.Properties.GetValue(WaitKey, TimeSpan.Zero)),
            })
            .Build();
    }

    /// <summary>A context for one call: the caller's token and the call's deadline (null: none).</summary>
    public static ResilienceContext Rent(DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        ResilienceContext context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(DeadlineKey, deadline);
        return context;
    }

    /// <summary>Gives back a context from <see cref="Rent"/>.</summary>
    public static void Return(ResilienceContext context) => ResilienceContextPool.Shared.Return(context);

    private static bool ShouldRetry(Outcome<AwsResponse> outcome, int attempt, ResilienceContext context, AwsRetryOptions retry, TimeProvider clock, Func<double> random)
    {
        if (outcome.Exception is not RemoteApiException error
            || error.ErrorCode == AwsSignedHttpClient.AmbiguousOutcome
            || !AwsSignedHttpClient.ShouldRetry(error)
            || attempt >= retry.MaxAttempts)
        {
            return false;
        }

        TimeSpan wait = retry.BackoffFor(attempt, random());
        if (context.Properties.GetValue(DeadlineKey, null) is { } end && clock.GetUtcNow() + wait >= end)
        {
            return false;
        }

        context.Properties.Set(WaitKey, wait);
        return true;
    }
}
