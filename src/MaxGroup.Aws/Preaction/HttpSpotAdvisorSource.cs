using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Preaction;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Aws.Preaction;

/// <summary>
/// Downloads the public Spot Instance Advisor JSON over HTTPS, keeps it in memory for a TTL (one copy per execution
/// environment: the composition root creates one source), and falls back to the last good download, then to the
/// embedded trimmed snapshot, when the download fails or times out.
/// </summary>
public sealed class HttpSpotAdvisorSource : ISpotAdvisorSource
{
    /// <summary>The public location of the data.</summary>
    public const string DefaultUrl = "https://spot-bid-advisor.s3.amazonaws.com/spot-advisor-data.json";
    public const string UrlVariable = "MAXGROUP_SPOT_ADVISOR_URL";
    public const string TtlVariable = "MAXGROUP_SPOT_ADVISOR_TTL_MINUTES";

    private readonly HttpClient _http;
    private readonly Uri _url;
    private readonly TimeSpan _ttl;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly Func<SpotAdvisorData> _fallback;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private SpotAdvisorData? _cached;
    private DateTimeOffset _cachedAt;

    /// <summary>
    /// <paramref name="fallback"/> defaults to the embedded snapshot; <paramref name="timeout"/> bounds one download
    /// (on the injected clock) so a slow S3 answer cannot use up the run.
    /// </summary>
    public HttpSpotAdvisorSource(HttpClient http, Uri url, TimeSpan ttl, TimeSpan timeout, TimeProvider clock, ILogger logger, Func<SpotAdvisorData>? fallback = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(url);
        _http = http;
        _url = url;
        _ttl = ttl;
        _timeout = timeout;
        _clock = clock;
        _logger = logger;
        _fallback = fallback ?? (() => SpotAdvisorSnapshot.Data);
    }

    /// <summary>URL and TTL from <see cref="UrlVariable"/> and <see cref="TtlVariable"/> (default 60 minutes; the data changes a few times a day at most).</summary>
    public static HttpSpotAdvisorSource FromEnvironment(Func<string, string?> getVariable, HttpClient http, TimeProvider clock, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        string url = getVariable(UrlVariable) is { Length: > 0 } configured ? configured : DefaultUrl;
        int minutes = int.TryParse(getVariable(TtlVariable), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int ttl) && ttl >= 0 ? ttl : 60;
        return new HttpSpotAdvisorSource(http, new Uri(url), TimeSpan.FromMinutes(minutes), TimeSpan.FromSeconds(10), clock, logger);
    }

    public async Task<SpotAdvisorData> GetAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_cached is not null && _clock.GetUtcNow() - _cachedAt < _ttl)
            {
                return _cached;
            }

            try
            {
                SpotAdvisorData data = await DownloadAsync(cancellationToken);
                _cached = data;
                _cachedAt = _clock.GetUtcNow();
                return data;
            }
            catch (Exception ex) when (ex is HttpRequestException or FormatException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                if (_cached is not null)
                {
                    _logger.LogWarning("Spot advisor download from {Url} failed ({Error}); keeping the copy from {CachedAt:O}", _url, ex.Message, _cachedAt);
                    return _cached;
                }

                SpotAdvisorData fallback = _fallback();
                _logger.LogWarning("Spot advisor download from {Url} failed ({Error}); using the {Origin}", _url, ex.Message, fallback.Origin);
                return fallback;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<SpotAdvisorData> DownloadAsync(CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_timeout, _clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            using HttpResponseMessage response = await _http.GetAsync(_url, HttpCompletionOption.ResponseContentRead, linked.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"HTTP {(int)response.StatusCode}", null, response.StatusCode);
            }

            byte[] body = await response.Content.ReadAsByteArrayAsync(linked.Token);
            return SpotAdvisorParser.Parse(body, _url.ToString());
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new HttpRequestException($"no answer within {_timeout.TotalSeconds:0} s");
        }
    }
}
