namespace MaxGroup.Kubernetes.Budget;

/// <summary>
/// Makes every request of the Kubernetes client, polls included, wait for a token of the instance's
/// <see cref="ApiRateBudget"/> and then, when the cluster's budget is shared, for a grant of its
/// <see cref="ClusterRequestBudget"/>.
/// </summary>
public sealed class RateBudgetHandler(ApiRateBudget budget, ClusterRequestBudget? cluster = null) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        await budget.AcquireAsync(cancellationToken).ConfigureAwait(false);
        if (cluster is not null)
        {
            await cluster.AcquireAsync(cancellationToken).ConfigureAwait(false);
        }

        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
