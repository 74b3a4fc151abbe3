using System.Text;
using Amazon.Runtime;
using MaxGroup.Core.Ports;
using Polly;

namespace MaxGroup.Aws.Signing;

/// <summary>
/// A thin SigV4-signed HTTP client for the AWS APIs whose SDK clients the package feed lacks (AutoScaling, Lambda,
/// EKS). Signs every attempt afresh with AWSSDK.Core's signer and credentials, retries throttling, 5xx and connection
/// errors with exponential backoff and full jitter (<see cref="AwsRetryPipeline"/>), and never starts a wait that ends
/// after the caller's deadline.
/// Errors surface as <see cref="RemoteApiException"/>.
/// </summary>
public sealed class AwsSignedHttpClient
{
    private readonly HttpClient _http;
    private readonly AWSCredentials _credentials;
    private readonly TimeProvider _clock;
    private readonly ResiliencePipeline<AwsResponse> _pipeline;

    /// <param name="http">Shared, long-lived client; its own Timeout should be infinite (attempts are timed here).</param>
    /// <param name="service">Which service: signing name and error labels.</param>
    /// <param name="region">Signing region.</param>
    /// <param name="endpoint">Base URL, e.g. https://autoscaling.us-east-1.amazonaws.com/ or a moto endpoint.</param>
    /// <param name="credentials">Usually the default chain (<see cref="AwsClientFactory"/>); read on every attempt so refreshes apply.</param>
    /// <param name="clock">Signing time and backoff waits.</param>
    /// <param name="retry">Retry budget; <see cref="AwsRetryOptions.Default"/> when null.</param>
    /// <param name="random">Uniform [0, 1) source for the jitter; <see cref="Random.Shared"/> when null.</param>
    public AwsSignedHttpClient(
        HttpClient http,
        AwsService service,
        string region,
        Uri endpoint,
        AWSCredentials credentials,
        TimeProvider clock,
        AwsRetryOptions? retry = null,
        Func<double>? random = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentException.ThrowIfNullOrEmpty(region);
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(clock);
        _http = http;
        Service = service;
        Region = region;
        Endpoint = endpoint;
        _credentials = credentials;
        _clock = clock;
        Retry = retry ?? AwsRetryOptions.Default;
        _pipeline = AwsRetryPipeline.Create(Retry, clock, random ?? Random.Shared.NextDouble);
    }

    public AwsService Service { get; }

    public string Region { get; }

    public Uri Endpoint { get; }

    public AwsRetryOptions Retry { get; }

    /// <summary>Sends <paramref name="request"/>; returns the 2xx answer or throws <see cref="RemoteApiException"/>.</summary>
    public async Task<AwsResponse> SendAsync(AwsRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Uri uri = BuildUri(request);
        ResilienceContext context = AwsRetryPipeline.Rent(request.Deadline ?? AwsCallDeadline.Current, cancellationToken);
        try
        {
            return await _pipeline.ExecuteAsync(
                static (ctx, state) => new ValueTask<AwsResponse>(state.Client.AttemptAsync(state.Request, state.Uri, ctx.CancellationToken)),
                context,
                (Client: this, Request: request, Uri: uri)).ConfigureAwait(false);
        }
        finally
        {
            AwsRetryPipeline.Return(context);
        }
    }

    /// <summary>
    /// Error code of a non-idempotent call (<see cref="AwsRequest.Idempotent"/> false) whose connection failed after the
    /// request was sent: it may have taken effect. Status 0, so callers that treat it as retryable still can, after looking.
    /// </summary>
    public const string AmbiguousOutcome = "AmbiguousOutcome";

    /// <summary>Whether the request surely never reached the peer (the connection was refused or could not be made).</summary>
    public static bool NeverSent(HttpRequestException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError
            || error.InnerException is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused };
    }

    /// <summary>Throttling, server errors and no answer are worth another attempt; client errors are not.</summary>
    public static bool ShouldRetry(RemoteApiException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.IsThrottling || error.StatusCode >= 500 || error.StatusCode == 429 || error.StatusCode == 0;
    }

    /// <summary>One attempt: the 2xx answer, or its failure as a <see cref="RemoteApiException"/> for the retry pipeline to judge.</summary>
    private async Task<AwsResponse> AttemptAsync(AwsRequest request, Uri uri, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            AwsResponse response = await SendOnceAsync(request, uri, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode is >= 200 and < 300)
            {
                return response;
            }

            response.Headers.TryGetValue("x-amzn-errortype", out string? errorType);
            throw AwsErrorParser.Parse(Service.SigningName, request.Operation, response.StatusCode, response.Body, errorType);
        }
        catch (HttpRequestException ex)
        {
            if (!request.Idempotent && !NeverSent(ex))
            {
                // The request may have taken effect: sending it again could apply it twice. The caller looks first.
                throw new RemoteApiException(Service.SigningName, AmbiguousOutcome, $"{request.Operation}: the connection failed after the request was sent; it may or may not have taken effect ({ex.Message})", 0, ex);
            }

            throw new RemoteApiException(Service.SigningName, "ConnectionError", $"{request.Operation}: {ex.Message}", 0, ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Our per-attempt timeout fired, not the caller's token: the peer did not answer in time.
            if (!request.Idempotent)
            {
                throw new RemoteApiException(Service.SigningName, AmbiguousOutcome, $"{request.Operation}: no answer within {Retry.AttemptTimeout}; it may or may not have taken effect", 0, ex);
            }

            throw new RemoteApiException(Service.SigningName, "RequestTimeout", $"{request.Operation}: no answer within {Retry.AttemptTimeout}", 0, ex);
        }
    }

    private async Task<AwsResponse> SendOnceAsync(AwsRequest request, Uri uri, CancellationToken cancellationToken)
    {
        ImmutableCredentials credentials = await _credentials.GetCredentialsAsync().ConfigureAwait(false);
        using var message = new HttpRequestMessage(request.Method, uri);
        if (request.ContentType is not null)
        {
            var content = new ByteArrayContent(request.Body.ToArray());
            content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
            message.Content = content;
        }

        foreach (KeyValuePair<string, string> header in request.Headers)
        {
            message.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        SigV4RequestSigner.Sign(message, request.Body.Span, credentials, Region, Service.SigningName, _clock.GetUtcNow());

        using var attemptTimeout = new CancellationTokenSource(Retry.AttemptTimeout, _clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, attemptTimeout.Token);
        using HttpResponseMessage response = await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, linked.Token).ConfigureAwait(false);
        byte[] body = await response.Content.ReadAsByteArrayAsync(linked.Token).ConfigureAwait(false);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (KeyValuePair<string, IEnumerable<string>> header in response.Headers.Concat(response.Content.Headers))
        {
            headers[header.Key] = string.Join(',', header.Value);
        }

        return new AwsResponse((int)response.StatusCode, body, headers);
    }

    private Uri BuildUri(AwsRequest request)
    {
        var builder = new StringBuilder(Endpoint.GetLeftPart(UriPartial.Authority));
        builder.Append(Endpoint.AbsolutePath.TrimEnd('/'));
        builder.Append(request.Path.StartsWith('/') ? request.Path : "/" + request.Path);
        char separator = '?';
        foreach (KeyValuePair<string, string> parameter in request.Query)
        {
            builder.Append(separator).Append(Uri.EscapeDataString(parameter.Key)).Append('=').Append(Uri.EscapeDataString(parameter.Value));
            separator = '&';
        }

        return new Uri(builder.ToString());
    }
}
