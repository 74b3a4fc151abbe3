using System.Net;
using Polly;
using Polly.Retry;

namespace MaxGroup.Kubernetes.Budget;

/// <summary>
/// Sends a Kubernetes API request again when the answer is transient: 500, 502, 503, 504, a 429 from API priority and
/// fairness (honouring Retry-After, capped), or a connection dropped before an answer came. Every call the drainer
/// makes converges when repeated (GET, the cordon merge patch, an eviction of a pod that may already be gone answers
/// 404, which the drainer counts as gone), so a retry after an ambiguous failure is safe. An eviction's 429 is a
/// disruption budget speaking, not overload: it goes back to the drainer, which has its own schedule for it.
/// The retries run on a Polly pipeline; every wait is on the injected clock and ends with the request's token.
/// </summary>
public sealed class TransientRetryHandler : DelegatingHandler
{
    /// <summary>First backoff; doubled per retry, with full jitter.</summary>
    public static readonly TimeSpan BaseDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest single wait, whatever Retry-After says: the drain has two minutes in all.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(2);

    private static readonly ResiliencePropertyKey<HttpRequestMessage> RequestKey = new("maxgroup.k8s.request");

    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    /// <param name="clock">The clock every wait is measured on.</param>
    /// <param name="maxAttempts">Attempts in all, the first included.</param>
    public TransientRetryHandler(TimeProvider clock, int maxAttempts = 4)
    {
        ArgumentNullException.ThrowIfNull(clock);
        _pipeline = maxAttempts <= 1
            ? ResiliencePipeline<HttpResponseMessage>.Empty
            : new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = clock }
                .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
                {
                    MaxRetryAttempts = maxAttempts - 1,
                    ShouldHandle = static args => ValueTask.FromResult(ShouldRetry(args.Outcome, args.Context)),
                    DelayGenerator = static args => ValueTask.FromResult<TimeSpan?>(Backoff(args.AttemptNumber + 1, args.Outcome.Result?.Headers.RetryAfter?.Delta)),
                    // The transient answer is dropped before the wait; the last one, retried or not, goes to the caller.
                    OnRetry = static args =>
                    {
                        args.Outcome.Result?.Dispose();
                        return default;
                    },
                })
                .Build();
    }

    /// <summary>Whether <paramref name="status"/> on <paramref name="request"/> is worth another attempt.</summary>
    public static bool IsTransient(HttpRequestMessage request, HttpStatusCode status)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (status == HttpStatusCode.TooManyRequests)
        {
            return !(request.RequestUri?.AbsolutePath.EndsWith("/eviction", StringComparison.Ordinal) ?? false);
        }

        return status is HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;
    }

    /// <summary>The wait before retry number <paramref name="retry"/> (1-based): Retry-After when the server sent one (capped at <see cref="MaxDelay"/>), else capped exponential backoff with full jitter.</summary>
    public static TimeSpan Backoff(int retry, TimeSpan? retryAfter)
    {
        if (retryAfter is { } asked && asked > TimeSpan.Zero)
        {
            return asked < MaxDelay ? asked : MaxDelay;
        }

        double ceiling = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, retry - 1));
        return TimeSpan.FromMilliseconds(ceiling * Random.Shared.NextDouble());
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ResilienceContext context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(RequestKey, request);
        try
        {
            return await _pipeline.ExecuteAsync(
                static (ctx, state) => new ValueTask<HttpResponseMessage>(state.Handler.SendOnceAsync(state.Request, ctx.CancellationToken)),
                context,
                (Handler: this, Request: request)).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, ResilienceContext context)
    {
        if (outcome.Exception is not null)
        {
            // A dropped connection is retried; the caller's own cancellation (its deadline) never is.
            return outcome.Exception is HttpRequestException && !context.CancellationToken.IsCancellationRequested;
        }

        return outcome.Result is { } response
            && context.Properties.TryGetValue(RequestKey, out HttpRequestMessage? request)
            && IsTransient(request, response.StatusCode);
    }

    private Task<HttpResponseMessage> SendOnceAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        base.SendAsync(request, cancellationToken);
}
