using System.Net;

namespace MaxGroup.Kubernetes.Budget;

/// <summary>
/// Sends a Kubernetes API request again when the answer is transient: 500, 502, 503, 504, a 429 from API priority and
/// fairness (honouring Retry-After, capped), or a connection dropped before an answer came. Every call the drainer
/// makes converges when repeated (GET, the cordon merge patch, an eviction of a pod that may already be gone answers
/// 404, which the drainer counts as gone), so a retry after an ambiguous failure is safe. An eviction's 429 is a
/// disruption budget speaking, not overload: it goes back to the drainer, which has its own schedule for it.
/// </summary>
public sealed class TransientRetryHandler(TimeProvider clock, int maxAttempts = 4) : DelegatingHandler
{
    /// <summary>First backoff; doubled per retry, with full jitter.</summary>
    public static readonly TimeSpan BaseDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest single wait, whatever Retry-After says: the drain has two minutes in all.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(2);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        for (int attempt = 1; ; attempt++)
        {
            HttpResponseMessage response;
            try
            {
                response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException) when (attempt < maxAttempts && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(Backoff(attempt, null), clock, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (attempt >= maxAttempts || !IsTransient(request, response.StatusCode))
            {
                return response;
            }

            TimeSpan wait = Backoff(attempt, response.Headers.RetryAfter?.Delta);
            response.Dispose();
            await Task.Delay(wait, clock, cancellationToken).ConfigureAwait(false);
        }
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

    private static TimeSpan Backoff(int attempt, TimeSpan? retryAfter)
    {
        if (retryAfter is { } asked && asked > TimeSpan.Zero)
        {
            return asked < MaxDelay ? asked : MaxDelay;
        }

        double ceiling = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
        return TimeSpan.FromMilliseconds(ceiling * Random.Shared.NextDouble());
    }
}
