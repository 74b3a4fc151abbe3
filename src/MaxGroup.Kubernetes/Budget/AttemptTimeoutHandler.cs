namespace MaxGroup.Kubernetes.Budget;

/// <summary>
/// Gives each attempt of a request its own time limit, counted from when it leaves the budget: time spent waiting for
/// the cluster's shared budget is not the API server being slow, so it must not fail the request (the step's deadline
/// still bounds the wait). Expiry surfaces as HttpClient's own timeout does, a TaskCanceledException over a
/// TimeoutException, so callers treat both alike.
/// </summary>
public sealed class AttemptTimeoutHandler(TimeSpan timeout, TimeProvider clock) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var attempt = new CancellationTokenSource(timeout, clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, attempt.Token);
        try
        {
            return await base.SendAsync(request, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (attempt.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TaskCanceledException($"the Kubernetes API did not answer within {timeout.TotalSeconds:0} s", new TimeoutException(ex.Message, ex));
        }
    }
}
