namespace MaxGroup.Core.Ports;

/// <summary>
/// The bearer token one cluster's API server accepts for the function's identity (the EKS IAM token in Lambda).
/// Implementations cache a token while it is young and sign a new one when it ages or is rejected.
/// </summary>
public interface IClusterTokenSource
{
    /// <summary>The cached token, or a freshly signed one.</summary>
    Task<string> GetTokenAsync(CancellationToken cancellationToken);

    /// <summary>Forgets <paramref name="rejectedToken"/> after the API server refused it, so the next call signs a new one.</summary>
    void Invalidate(string rejectedToken);
}
