namespace MaxGroup.Kubernetes.Budget;

/// <summary>Makes every request of the Kubernetes client, polls included, wait for a token of the shared <see cref="ApiRateBudget"/>.</summary>
public sealed class RateBudgetHandler(ApiRateBudget budget) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        await budget.AcquireAsync(cancellationToken).ConfigureAwait(false);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
