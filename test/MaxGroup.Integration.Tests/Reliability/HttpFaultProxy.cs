using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MaxGroup.Testing.Http;
using Microsoft.AspNetCore.Http;

namespace MaxGroup.Integration.Tests.Reliability;

/// <summary>
/// A loopback reverse proxy in front of any HTTP(S) peer (the Kubernetes API fake, the Consul agent fake) that injects
/// the faults of a <see cref="FaultPlan"/> the way such servers fail: 429 with Retry-After (API priority and fairness,
/// Consul rate limits), 500/503, added latency, the connection dropped before forwarding, and dropped after the
/// peer acted. For HTTPS it presents the peer's own certificate, so the client's CA pinning still applies.
/// </summary>
public sealed class HttpFaultProxy : LoopbackForwardingProxy
{
    private readonly string _name;
    private readonly FaultDice _dice;
    private readonly ConcurrentQueue<ProxiedCall> _calls = new();

    private HttpFaultProxy(string name, string upstream, X509Certificate2? upstreamCa, FaultPlan plan)
        : base(upstream, TimeSpan.FromSeconds(30), Handler(upstreamCa))
    {
        _name = name;
        Plan = plan;
        // A different stream from the AWS proxy's, still fixed by the seed: the same seed replays the same faults.
        _dice = new FaultDice(HashCode.Combine(plan.Seed, name.Length, name[0]), (call, prefix) => call.StartsWith(prefix, StringComparison.Ordinal));
    }

    public FaultPlan Plan { get; set; }

    public IReadOnlyList<ProxiedCall> Calls => _calls.ToArray();

    /// <summary>
    /// Scripts a fault for regression tests: the next <paramref name="times"/> requests whose "METHOD /path" starts with
    /// <paramref name="actionPrefix"/> get <paramref name="fault"/> (throttle, 5xx, drop-before, drop-after, latency), whatever the plan draws.
    /// </summary>
    public void FailNext(string actionPrefix, string fault, int times = 1) => _dice.Script(actionPrefix, fault, times);

    /// <param name="name">Label of the peer in the call log (kubernetes, consul).</param>
    /// <param name="upstream">Base URL of the peer.</param>
    /// <param name="plan">Faults to inject.</param>
    /// <param name="serverCertificate">Certificate to serve HTTPS with (the peer's own); null = plain HTTP.</param>
    /// <param name="upstreamCa">CA the peer's certificate chains to, when it is HTTPS.</param>
    public static async Task<HttpFaultProxy> StartAsync(string name, string upstream, FaultPlan plan, X509Certificate2? serverCertificate = null, X509Certificate2? upstreamCa = null)
    {
        var proxy = new HttpFaultProxy(name, upstream, upstreamCa, plan);
        await proxy.StartAsync(proxy.HandleAsync, serverCertificate);
        return proxy;
    }

    private static SocketsHttpHandler Handler(X509Certificate2? upstreamCa)
    {
        var handler = new SocketsHttpHandler();
        if (upstreamCa is not null)
        {
            // Trust exactly the peer's test CA, as the production client does with k8s_certificate_authority.
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) => ChainsTo(certificate, upstreamCa),
            };
        }

        return handler;
    }

    private async Task HandleAsync(HttpContext context)
    {
        DateTimeOffset start = DateTimeOffset.UtcNow;
        byte[] body = await LoopbackProxy.ReadBodyAsync(context.Request);

        string action = $"{context.Request.Method} {context.Request.Path}";
        FaultPlan plan = Plan;
        string fault = _dice.TakeScripted(action) ?? _dice.Draw(plan);
        if (fault == "latency")
        {
            await Task.Delay(plan.LatencyAmount);
        }

        switch (fault)
        {
            case "drop-before":
                Record(action, start, 0, fault);
                context.Abort();
                return;
            case "throttle":
                context.Response.StatusCode = 429;
                context.Response.Headers.RetryAfter = "1";
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync("""{"kind":"Status","apiVersion":"v1","status":"Failure","message":"Too many requests, please try again later.","reason":"TooManyRequests","code":429}""");
                Record(action, start, 429, fault);
                return;
            case "5xx":
                int status = _dice.NextDouble() < 0.5 ? 500 : 503;
                context.Response.StatusCode = status;
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync($"{status} injected by the fault proxy");
                Record(action, start, status, fault);
                return;
        }

        using HttpResponseMessage response = await ForwardAsync(context, body, context.RequestAborted);
        byte[] responseBody = await response.Content.ReadAsByteArrayAsync(context.RequestAborted);
        if (fault == "drop-after")
        {
            Record(action, start, 0, fault);
            context.Abort();
            return;
        }

        await LoopbackProxy.WriteResponseAsync(context, response, responseBody);
        Record(action, start, (int)response.StatusCode, fault);
    }

    private static bool ChainsTo(X509Certificate? certificate, X509Certificate2 ca)
    {
        if (certificate is not X509Certificate2 leaf)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(leaf);
    }

    private void Record(string action, DateTimeOffset start, int status, string fault) =>
        _calls.Enqueue(new ProxiedCall(_name, action, start, DateTimeOffset.UtcNow, status, fault));
}
