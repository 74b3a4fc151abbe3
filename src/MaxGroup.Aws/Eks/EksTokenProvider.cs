using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using MaxGroup.Core.Ports;

namespace MaxGroup.Aws.Eks;

/// <summary>
/// Supplies the EKS bearer token for one cluster, minting a new one before the cached one ages out.
/// EKS accepts a token for about 15 minutes after it was signed; the default refresh after 10 minutes leaves
/// room for clock skew and for a request that is slow to reach the API server.
/// </summary>
public sealed class EksTokenProvider : IClusterTokenSource, IDisposable
{
    /// <summary>How long a token is reused before a new one is signed.</summary>
    public static readonly TimeSpan DefaultRefreshAfter = TimeSpan.FromMinutes(10);

    private readonly AWSCredentials _credentials;
    private readonly string _region;
    private readonly string _clusterName;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _refreshAfter;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private CachedToken? _cached;

    public EksTokenProvider(AWSCredentials credentials, string region, string clusterName, TimeProvider clock, TimeSpan? refreshAfter = null)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentException.ThrowIfNullOrEmpty(region);
        ArgumentException.ThrowIfNullOrEmpty(clusterName);
        ArgumentNullException.ThrowIfNull(clock);
        _credentials = credentials;
        _region = region;
        _clusterName = clusterName;
        _clock = clock;
        _refreshAfter = refreshAfter ?? DefaultRefreshAfter;
    }

    public string ClusterName => _clusterName;

    /// <summary>A provider signing with the SDK's default credential chain (the function role's environment variables in Lambda).</summary>
    public static EksTokenProvider ForDefaultCredentials(string region, string clusterName, TimeProvider clock) =>
        new(DefaultAWSCredentialsIdentityResolver.GetCredentials(), region, clusterName, clock);

    /// <summary>The cached token, or a freshly signed one when the cached one is older than the refresh age.</summary>
    public async Task<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        CachedToken? cached = Volatile.Read(ref _cached);
        if (cached is not null && _clock.GetUtcNow() - cached.SignedAt < _refreshAfter)
        {
            return cached.Value;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            DateTimeOffset now = _clock.GetUtcNow();
            if (_cached is not null && now - _cached.SignedAt < _refreshAfter)
            {
                return _cached.Value;
            }

            // Credentials of the Lambda role rotate too: ask the chain each time a token is minted.
            ImmutableCredentials credentials = await _credentials.GetCredentialsAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            string token = EksTokenPresigner.CreateToken(credentials, _region, _clusterName, now);
            Volatile.Write(ref _cached, new CachedToken(token, now));
            return token;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Forgets <paramref name="rejectedToken"/> after the API server answered 401 to it (a skewed clock, a rotated
    /// role session), so the next call signs a new one. A token already replaced is left alone.
    /// </summary>
    public void Invalidate(string rejectedToken)
    {
        CachedToken? cached = Volatile.Read(ref _cached);
        if (cached is not null && cached.Value == rejectedToken)
        {
            Interlocked.CompareExchange(ref _cached, null, cached);
        }
    }

    public void Dispose() => _gate.Dispose();

    private sealed record CachedToken(string Value, DateTimeOffset SignedAt);
}
