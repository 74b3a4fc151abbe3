using System.Net;
using System.Net.Http.Headers;
using MaxGroup.Core.Ports;

namespace MaxGroup.Kubernetes.Auth;

/// <summary>
/// On a 401, drops the rejected cluster token, signs a new one and sends the request once more. The client sets the
/// Authorization header before the handler pipeline runs, so this handler replaces it itself.
/// </summary>
public sealed class TokenRefreshHandler(IClusterTokenSource tokens) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        HttpResponseMessage response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized || request.Headers.Authorization?.Parameter is not { } rejected)
        {
            return response;
        }

        tokens.Invalidate(rejected);
        string fresh = await tokens.GetTokenAsync(cancellationToken).ConfigureAwait(false);
        if (fresh == rejected)
        {
            return response;
        }

        response.Dispose();
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fresh);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
