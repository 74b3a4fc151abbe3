using System.Net.Http.Headers;
using k8s.Authentication;
using MaxGroup.Core.Ports;

namespace MaxGroup.Kubernetes.Auth;

/// <summary>Hands the Kubernetes client the bearer token of an <see cref="IClusterTokenSource"/> (the EKS IAM token in Lambda).</summary>
public sealed class ClusterTokenProvider(IClusterTokenSource source) : ITokenProvider
{
    /// <summary>The token source; the 401 refresh handler invalidates rejected tokens through it.</summary>
    public IClusterTokenSource Source { get; } = source ?? throw new ArgumentNullException(nameof(source));

    public async Task<AuthenticationHeaderValue> GetAuthenticationHeaderAsync(CancellationToken cancellationToken) =>
        new("Bearer", await Source.GetTokenAsync(cancellationToken).ConfigureAwait(false));
}
