using System.Net.Http.Headers;
using System.Text;

namespace MaxGroup.Functions.Runtime;

/// <summary>The documented Lambda Runtime API (version 2018-06-01) over HTTP, at the host:port named by AWS_LAMBDA_RUNTIME_API.</summary>
public sealed class RuntimeApiClient : IRuntimeApiClient, IDisposable
{
    public const string ApiVersion = "2018-06-01";
    public const string RequestIdHeader = "Lambda-Runtime-Aws-Request-Id";
    public const string DeadlineHeader = "Lambda-Runtime-Deadline-Ms";
    public const string FunctionArnHeader = "Lambda-Runtime-Invoked-Function-Arn";
    public const string TraceIdHeader = "Lambda-Runtime-Trace-Id";
    public const string ClientContextHeader = "Lambda-Runtime-Client-Context";
    public const string CognitoIdentityHeader = "Lambda-Runtime-Cognito-Identity";
    public const string ErrorTypeHeader = "Lambda-Runtime-Function-Error-Type";

    private static readonly MediaTypeHeaderValue JsonMediaType = new("application/json") { CharSet = "utf-8" };
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;

    /// <summary>Uses <paramref name="http"/> as given; its BaseAddress must be http://host:port/2018-06-01/runtime/.</summary>
    public RuntimeApiClient(HttpClient http)
        : this(http, ownsHttp: false)
    {
    }

    private RuntimeApiClient(HttpClient http, bool ownsHttp)
    {
        ArgumentNullException.ThrowIfNull(http);
        _http = http;
        _ownsHttp = ownsHttp;
    }

    /// <summary>A client for the AWS_LAMBDA_RUNTIME_API value (host:port).</summary>
    public static RuntimeApiClient Create(string runtimeApi)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runtimeApi);
        var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false })
        {
            BaseAddress = new Uri($"http://{runtimeApi}/{ApiVersion}/runtime/"),
            // "next" is a long poll that may wait for hours between invocations.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        return new RuntimeApiClient(http, ownsHttp: true);
    }

    public async Task<RuntimeInvocation> GetNextInvocationAsync(CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await _http.GetAsync(new Uri("invocation/next", UriKind.Relative), cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"Runtime API answered GET invocation/next with HTTP {(int)response.StatusCode}", null, response.StatusCode);
        }

        string requestId = Header(response, RequestIdHeader)
            ?? throw new HttpRequestException($"Runtime API sent an invocation without {RequestIdHeader}");
        string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return new RuntimeInvocation(requestId, body)
        {
            DeadlineMs = Header(response, DeadlineHeader),
            InvokedFunctionArn = Header(response, FunctionArnHeader) ?? "",
            TraceId = Header(response, TraceIdHeader) ?? "",
            ClientContext = Header(response, ClientContextHeader),
            CognitoIdentity = Header(response, CognitoIdentityHeader),
        };
    }

    public Task SendResponseAsync(string requestId, string body, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(requestId);
        ArgumentNullException.ThrowIfNull(body);
        return PostAsync($"invocation/{Uri.EscapeDataString(requestId)}/response", Encoding.UTF8.GetBytes(body), errorType: null, cancellationToken);
    }

    public Task SendErrorAsync(string requestId, RuntimeError error, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(requestId);
        ArgumentNullException.ThrowIfNull(error);
        return PostAsync($"invocation/{Uri.EscapeDataString(requestId)}/error", error.ToUtf8Json(), error.ErrorType, cancellationToken);
    }

    public Task SendInitErrorAsync(RuntimeError error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(error);
        return PostAsync("init/error", error.ToUtf8Json(), error.ErrorType, cancellationToken);
    }

    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private async Task PostAsync(string path, byte[] body, string? errorType, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative));
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = JsonMediaType;
        if (errorType is not null)
        {
            request.Headers.TryAddWithoutValidation(ErrorTypeHeader, errorType);
        }

        using HttpResponseMessage response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            // 413 (payload too large) and 400 (bad state) are the documented failures; the body says which.
            string detail = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new HttpRequestException($"Runtime API answered POST {path} with HTTP {(int)response.StatusCode}: {Shorten(detail)}", null, response.StatusCode);
        }
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out IEnumerable<string>? values) ? values.FirstOrDefault() : null;

    private static string Shorten(string text) => text.Length <= 200 ? text : string.Concat(text.AsSpan(0, 200), "...");
}
