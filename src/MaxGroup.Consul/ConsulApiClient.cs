using System.Net;
using System.Text;
using System.Text.Json;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Consul;

/// <summary>
/// The few Consul HTTP API calls MaxGroup needs, on a shared <see cref="HttpClient"/>. Every call is bounded by a
/// short per-request timeout and by the caller's deadline; errors surface as <see cref="RemoteApiException"/>
/// (service "consul"; StatusCode 0 with code Unreachable or Timeout when no answer came).
/// </summary>
public sealed class ConsulApiClient(HttpClient http, TimeProvider clock, TimeSpan? requestTimeout = null) : IServiceRegistry
{
    public const string TokenHeader = "X-Consul-Token";

    /// <summary>Error code when the caller's deadline, not the peer, cut a request short.</summary>
    public const string DeadlineReached = ServiceRegistryErrors.DeadlineReached;
    private const int MaxErrorBodyChars = 300;
    private readonly HttpClient _http = http ?? throw new ArgumentNullException(nameof(http));
    private readonly TimeProvider _clock = clock ?? throw new ArgumentNullException(nameof(clock));
    private readonly TimeSpan _requestTimeout = requestTimeout ?? TimeSpan.FromSeconds(5);

    /// <summary>
    /// The HttpClient for Consul: created once per execution environment. Connect timeout short (an unreachable
    /// agent must not eat the two-minute window), no redirects (an answer must not send the token elsewhere), no
    /// proxy, TLS validated against the system trust store. Timeouts per request are applied by this client.
    /// </summary>
    public static HttpClient CreateHttpClient(TimeSpan? connectTimeout = null)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = connectTimeout ?? TimeSpan.FromSeconds(2),
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            // Each interruption talks to a different instance; do not keep dead connections for long.
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(20),
        };
        return new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>GET /v1/agent/services: the ids of the services registered with this agent (the keys of the map).</summary>
    public async Task<IReadOnlyList<string>> GetAgentServiceIdsAsync(Uri agent, string? token, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        string body = await SendAsync(HttpMethod.Get, new Uri(agent, "v1/agent/services"), token, null, deadline, cancellationToken);
        return MapKeys(body, "agent services");
    }

    /// <summary>GET /v1/agent/self: the agent's node name and datacenter (Config.NodeName, Config.Datacenter).</summary>
    public async Task<ConsulAgentSelf> GetAgentSelfAsync(Uri agent, string? token, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        string body = await SendAsync(HttpMethod.Get, new Uri(agent, "v1/agent/self"), token, null, deadline, cancellationToken);
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("Config", out JsonElement config)
                && config.ValueKind == JsonValueKind.Object
                && config.TryGetProperty("NodeName", out JsonElement node)
                && node.ValueKind == JsonValueKind.String
                && !string.IsNullOrEmpty(node.GetString()))
            {
                string? datacenter = config.TryGetProperty("Datacenter", out JsonElement dc) && dc.ValueKind == JsonValueKind.String ? dc.GetString() : null;
                return new ConsulAgentSelf(node.GetString()!, datacenter);
            }
        }
        catch (JsonException ex)
        {
            throw new RemoteApiException("consul", "InvalidResponse", "agent self is not JSON", 200, ex);
        }

        throw new RemoteApiException("consul", "InvalidResponse", "agent self has no Config.NodeName", 200);
    }

    /// <summary>PUT /v1/agent/service/deregister/:service_id. False when the agent no longer knows the service (404).</summary>
    public async Task<bool> DeregisterServiceAsync(Uri agent, string serviceId, string? token, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(serviceId);
        try
        {
            await SendAsync(HttpMethod.Put, new Uri(agent, "v1/agent/service/deregister/" + Uri.EscapeDataString(serviceId)), token, null, deadline, cancellationToken);
            return true;
        }
        catch (RemoteApiException ex) when (ex.StatusCode == (int)HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>PUT /v1/agent/leave: the agent leaves the cluster gracefully and shuts down.</summary>
    public Task LeaveAsync(Uri agent, string? token, DateTimeOffset deadline, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, new Uri(agent, "v1/agent/leave"), token, null, deadline, cancellationToken);

    /// <summary>GET /v1/catalog/node/:node on a server: the ids of the node's services (empty when the node is unknown: Consul answers null).</summary>
    public async Task<IReadOnlyList<string>> GetCatalogNodeServiceIdsAsync(Uri server, string node, string? datacenter, string? token, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        string path = "v1/catalog/node/" + Uri.EscapeDataString(node) + DatacenterQuery(datacenter, first: true);
        string body = await SendAsync(HttpMethod.Get, new Uri(server, path), token, null, deadline, cancellationToken);
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Null)
            {
                return [];
            }

            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("Services", out JsonElement services))
            {
                return services.ValueKind == JsonValueKind.Object ? services.EnumerateObject().Select(p => p.Name).ToList() : [];
            }
        }
        catch (JsonException ex)
        {
            throw new RemoteApiException("consul", "InvalidResponse", "catalog node is not JSON", 200, ex);
        }

        throw new RemoteApiException("consul", "InvalidResponse", "catalog node has an unexpected shape", 200);
    }

    /// <summary>PUT /v1/catalog/deregister {Node, Datacenter} on a server: removes the node and all its services and checks.</summary>
    public async Task CatalogDeregisterNodeAsync(Uri server, string node, string? datacenter, string? token, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("Node", node);
            if (!string.IsNullOrEmpty(datacenter))
            {
                writer.WriteString("Datacenter", datacenter);
            }

            writer.WriteEndObject();
        }

        await SendAsync(HttpMethod.Put, new Uri(server, "v1/catalog/deregister"), token, buffer.ToArray(), deadline, cancellationToken);
    }

    /// <summary>PUT /v1/agent/force-leave/:node?prune on a server: the failed node moves to "left" and is pruned from the members.</summary>
    public Task ForceLeaveAsync(Uri server, string node, string? token, DateTimeOffset deadline, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, new Uri(server, "v1/agent/force-leave/" + Uri.EscapeDataString(node) + "?prune"), token, null, deadline, cancellationToken);

    private static string DatacenterQuery(string? datacenter, bool first) =>
        string.IsNullOrEmpty(datacenter) ? "" : (first ? "?" : "&") + "dc=" + Uri.EscapeDataString(datacenter);

    private static List<string> MapKeys(string body, string what)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document.RootElement.EnumerateObject().Select(p => p.Name).ToList();
            }
        }
        catch (JsonException ex)
        {
            throw new RemoteApiException("consul", "InvalidResponse", what + " is not JSON", 200, ex);
        }

        throw new RemoteApiException("consul", "InvalidResponse", what + " is not a JSON object", 200);
    }

    private async Task<string> SendAsync(HttpMethod method, Uri uri, string? token, byte[]? jsonBody, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        TimeSpan left = deadline - _clock.GetUtcNow();
        bool boundedByDeadline = left < _requestTimeout;
        TimeSpan timeout = boundedByDeadline ? left : _requestTimeout;
        if (timeout <= TimeSpan.Zero)
        {
            throw new RemoteApiException("consul", DeadlineReached, $"{method} {uri.AbsolutePath}: deadline reached before the request", 0);
        }

        using var timeoutSource = new CancellationTokenSource(timeout, _clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        using var request = new HttpRequestMessage(method, uri);
        if (!string.IsNullOrEmpty(token))
        {
            request.Headers.TryAddWithoutValidation(TokenHeader, token);
        }

        if (jsonBody is not null)
        {
            request.Content = new ByteArrayContent(jsonBody);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        }

        try
        {
            using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, linked.Token);
            string body = await response.Content.ReadAsStringAsync(linked.Token);
            if (response.IsSuccessStatusCode)
            {
                return body;
            }

            throw Error(method, uri, (int)response.StatusCode, body, token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Running out of our own deadline says nothing about the peer: keep it apart from a peer that did not answer.
            throw new RemoteApiException("consul", boundedByDeadline ? DeadlineReached : ServiceRegistryErrors.Timeout,
                $"{method} {uri.AbsolutePath} on {uri.Authority}: no answer within {timeout.TotalSeconds:0.#} s", 0);
        }
        catch (HttpRequestException ex)
        {
            // Connection refused, no route, DNS or TLS failure: the peer did not answer. Messages carry the URI, never headers.
            throw new RemoteApiException("consul", ServiceRegistryErrors.Unreachable, $"{method} {uri.AbsolutePath} on {uri.Authority}: {ex.Message}", 0, ex);
        }
    }

    private static RemoteApiException Error(HttpMethod method, Uri uri, int status, string body, string? token)
    {
        string text = body.Length > MaxErrorBodyChars ? body[..MaxErrorBodyChars] : body;
        if (!string.IsNullOrEmpty(token))
        {
            // Consul does not echo the secret, but a proxy in between might: never let it into a message.
            text = text.Replace(token, "***", StringComparison.Ordinal);
        }

        text = new StringBuilder(text).Replace('\n', ' ').Replace('\r', ' ').ToString().Trim();
        string code = status switch
        {
            403 when text.Contains("ACL not found", StringComparison.OrdinalIgnoreCase) => "AclNotFound",
            403 when text.Contains("Permission denied", StringComparison.OrdinalIgnoreCase) => "PermissionDenied",
            403 => "Forbidden",
            404 => "NotFound",
            429 => "TooManyRequestsException",
            _ => "HttpError",
        };
        return new RemoteApiException("consul", code, $"{method} {uri.AbsolutePath} on {uri.Authority}: HTTP {status}: {text}", status);
    }

    /// <summary>True when the peer did not answer at all (connection refused, no route, TLS failure, its own silence).</summary>
    public static bool IsUnreachable(RemoteApiException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return ServiceRegistryErrors.IsUnreachable(error);
    }
}
