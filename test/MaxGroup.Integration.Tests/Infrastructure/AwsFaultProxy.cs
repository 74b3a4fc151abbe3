using System.Collections.Concurrent;
using System.Net;
using MaxGroup.Testing.Http;
using Microsoft.AspNetCore.Http;

namespace MaxGroup.Integration.Tests.Infrastructure;

/// <summary>Which faults the proxy injects, each a probability per request, drawn from a seeded random.</summary>
public sealed record FaultPlan
{
    public static readonly FaultPlan None = new();

    /// <summary>Answer a throttling error in the service's own shape (Throttling, RequestLimitExceeded, ThrottlingException).</summary>
    public double Throttle { get; init; }
    /// <summary>Answer 500 or 503 without forwarding.</summary>
    public double ServerError { get; init; }
    /// <summary>Close the connection without an answer, before forwarding.</summary>
    public double DropBefore { get; init; }
    /// <summary>Forward (the call takes effect upstream), then close the connection: the ambiguous failure.</summary>
    public double DropAfter { get; init; }
    /// <summary>Delay added to a request.</summary>
    public double Latency { get; init; }
    public TimeSpan LatencyAmount { get; init; } = TimeSpan.FromMilliseconds(300);
    /// <summary>Only requests for these services (credential-scope names: ec2, autoscaling, s3, dynamodb...) get faults; empty = all.</summary>
    public IReadOnlySet<string> Services { get; init; } = new HashSet<string>();
    public int Seed { get; init; } = 1;

    public override string ToString() =>
        $"throttle={Throttle:0.##} 5xx={ServerError:0.##} drop-before={DropBefore:0.##} drop-after={DropAfter:0.##} latency={Latency:0.##}";
}

/// <summary>One call that passed through the proxy, with its timing and what was done to it.</summary>
public sealed record ProxiedCall(string Service, string Action, DateTimeOffset Start, DateTimeOffset End, int Status, string Fault);

/// <summary>
/// A loopback HTTP proxy in front of an AWS emulator (moto) that logs every call with its start and end and
/// injects faults per a <see cref="FaultPlan"/>. The service is read from the SigV4 credential scope, as moto
/// itself routes; the action from the Query `Action`, the JSON `X-Amz-Target`, or the REST path.
/// </summary>
public sealed partial class AwsFaultProxy : LoopbackForwardingProxy
{
    private readonly FaultDice _dice;
    private readonly ConcurrentQueue<ProxiedCall> _calls = new();
    private readonly ConcurrentDictionary<string, (int Status, string ContentType, byte[] Body)> _runInstancesByToken = new(StringComparer.Ordinal);

    private AwsFaultProxy(string upstream, FaultPlan plan)
        : base(upstream, TimeSpan.FromSeconds(30))
    {
        Plan = plan;
        _dice = new FaultDice(plan.Seed, (action, scripted) => action == scripted);
    }

    public FaultPlan Plan { get; set; }

    public IReadOnlyList<ProxiedCall> Calls => _calls.ToArray();

    /// <summary>CompleteLifecycleAction and RecordLifecycleActionHeartbeat with AWS's semantics (moto does not implement them).</summary>
    public LifecycleActionEmulator LifecycleActions { get; } = new();

    public static async Task<AwsFaultProxy> StartAsync(string upstream, FaultPlan? plan = null)
    {
        var proxy = new AwsFaultProxy(upstream, plan ?? FaultPlan.None);
        await proxy.StartAsync(proxy.HandleAsync);
        return proxy;
    }

    public void ClearCalls() => _calls.Clear();

    /// <summary>
    /// Scripts a fault whatever the plan draws: the next <paramref name="times"/> calls of <paramref name="action"/>
    /// (AttachInstances, RunInstances, PutItem...) get <paramref name="fault"/> (throttle, 5xx, drop-before, drop-after, latency, unauthorized: EC2's 403 UnauthorizedOperation).
    /// </summary>
    public void FailNext(string action, string fault, int times = 1) => _dice.Script(action, fault, times);

    private async Task HandleAsync(HttpContext context)
    {
        DateTimeOffset start = DateTimeOffset.UtcNow;
        context.Request.EnableBuffering();
        byte[] body = await LoopbackProxy.ReadBodyAsync(context.Request);

        string service = ServiceOf(context.Request);
        string action = ActionOf(context.Request, body);
        FaultPlan plan = Plan;
        bool eligible = plan.Services.Count == 0 || plan.Services.Contains(service);
        string fault = _dice.TakeScripted(action) ?? (eligible ? _dice.Draw(plan) : "none");

        if (fault == "latency")
        {
            await Task.Delay(plan.LatencyAmount);
        }

        if (fault == "drop-before")
        {
            Record(service, action, start, 0, fault);
            context.Abort();
            return;
        }

        if (fault == "throttle")
        {
            await WriteThrottleAsync(context, service);
            Record(service, action, start, context.Response.StatusCode, fault);
            return;
        }

        if (fault == "unauthorized")
        {
            // EC2's answer to an action the caller's role does not allow (HTTP 403, UnauthorizedOperation).
            context.Response.StatusCode = 403;
            context.Response.ContentType = "text/xml";
            await context.Response.WriteAsync("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation.</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>");
            Record(service, action, start, 403, fault);
            return;
        }

        if (fault == "5xx")
        {
            int status = _dice.NextDouble() < 0.5 ? 500 : 503;
            context.Response.StatusCode = status;
            context.Response.ContentType = "text/html";
            await context.Response.WriteAsync($"<html><body><h1>{status} injected by the fault proxy</h1></body></html>");
            Record(service, action, start, status, fault);
            return;
        }

        // moto 5.2.1 stores RunInstances' ClientToken but does not honour it; AWS does (a repeat with the same token
        // returns the first launch), and so for CreateFleet. Emulate that, so a retried launch is judged by AWS's
        // semantics, not the emulator's.
        string? clientToken = action is "RunInstances" or "CreateFleet" && FormValue(body, "ClientToken") is { } token ? $"{action}:{token}" : null;
        if (clientToken is not null && _runInstancesByToken.TryGetValue(clientToken, out var earlier))
        {
            context.Response.StatusCode = earlier.Status;
            context.Response.ContentType = earlier.ContentType;
            await context.Response.Body.WriteAsync(earlier.Body);
            Record(service, action, start, earlier.Status, fault == "none" ? "client-token-replay" : fault);
            return;
        }

        if (action == "DetachInstances" && LifecycleActions.RefuseDetach(LifecycleActionEmulator.FormValues(body)) is { } refused)
        {
            context.Response.StatusCode = refused.Status;
            context.Response.ContentType = "text/xml";
            await context.Response.WriteAsync(refused.Body);
            Record(service, action, start, refused.Status, fault);
            return;
        }

        if (LifecycleActionEmulator.Handles(action))
        {
            (int status, string xml) = LifecycleActions.Answer(action, LifecycleActionEmulator.FormValues(body));
            if (fault == "drop-after")
            {
                // Answered (the action completed or kept alive), the answer lost: as for a call moto took.
                Record(service, action, start, 0, fault);
                context.Abort();
                return;
            }

            context.Response.StatusCode = status;
            context.Response.ContentType = "text/xml";
            await context.Response.WriteAsync(xml);
            Record(service, action, start, status, fault);
            return;
        }

        // Pools without capacity (Dry): RunInstances answers InsufficientInstanceCapacity, CreateFleet skips them.
        var exchange = new EmulatorExchange(service, action, body);
        if (_capacity.Before(exchange) is { } noCapacity)
        {
            if (clientToken is not null && action == "CreateFleet")
            {
                _runInstancesByToken.TryAdd(clientToken, (noCapacity.Status, noCapacity.ContentType, noCapacity.Body));
            }

            context.Response.StatusCode = noCapacity.Status;
            context.Response.ContentType = noCapacity.ContentType;
            await context.Response.Body.WriteAsync(noCapacity.Body);
            Record(service, action, start, noCapacity.Status, "no-capacity");
            return;
        }

        using HttpResponseMessage response = await ForwardAsync(context, exchange.Body, context.RequestAborted);
        byte[] responseBody = _capacity.After(exchange, (int)response.StatusCode, await response.Content.ReadAsByteArrayAsync(context.RequestAborted));
        if (clientToken is not null && response.IsSuccessStatusCode)
        {
            _runInstancesByToken.TryAdd(clientToken, ((int)response.StatusCode, response.Content.Headers.ContentType?.ToString() ?? "text/xml", responseBody));
        }

        if (service == "autoscaling" && action == "DetachInstances" && !response.IsSuccessStatusCode && fault != "drop-after"
            && await DetachAsAwsAsync(context, body, context.RequestAborted) is { } detached)
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "text/xml";
            await context.Response.Body.WriteAsync(detached, context.RequestAborted);
            Record(service, action, start, 200, fault == "none" ? "detach-as-aws" : fault);
            return;
        }

        if (service == "autoscaling" && action == "TerminateInstanceInAutoScalingGroup" && (int)response.StatusCode >= 500 && fault != "drop-after"
            && await TerminateRefusalAsAwsAsync(context, body, context.RequestAborted) is { } refusal)
        {
            context.Response.StatusCode = 400;
            context.Response.ContentType = "text/xml";
            await context.Response.Body.WriteAsync(refusal, context.RequestAborted);
            Record(service, action, start, 400, fault == "none" ? "terminate-as-aws" : fault);
            return;
        }

        if (fault == "drop-after")
        {
            Record(service, action, start, 0, fault);
            context.Abort();
            return;
        }

        await LoopbackProxy.WriteResponseAsync(context, response, responseBody);
        Record(service, action, start, (int)response.StatusCode, fault);
    }

    private void Record(string service, string action, DateTimeOffset start, int status, string fault) =>
        _calls.Enqueue(new ProxiedCall(service, action, start, DateTimeOffset.UtcNow, status, fault));

    private static Task WriteThrottleAsync(HttpContext context, string service)
    {
        context.Response.StatusCode = service == "ec2" ? 503 : 400;
        switch (service)
        {
            case "ec2":
                context.Response.ContentType = "text/xml";
                return context.Response.WriteAsync("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>");
            case "dynamodb":
            case "ssm":
                context.Response.ContentType = "application/x-amz-json-1.0";
                return context.Response.WriteAsync("{\"__type\":\"com.amazonaws.dynamodb.v20120810#ThrottlingException\",\"message\":\"Rate of requests exceeds the allowed throughput.\"}");
            case "lambda":
                context.Response.StatusCode = 429;
                context.Response.ContentType = "application/json";
                context.Response.Headers["x-amzn-ErrorType"] = "TooManyRequestsException";
                return context.Response.WriteAsync("{\"Type\":\"User\",\"message\":\"Rate Exceeded.\"}");
            case "s3":
                context.Response.StatusCode = 503;
                context.Response.ContentType = "application/xml";
                return context.Response.WriteAsync("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>");
            default:
                context.Response.ContentType = "text/xml";
                return context.Response.WriteAsync("<ErrorResponse xmlns=\"https://autoscaling.amazonaws.com/doc/2011-01-01/\"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>");
        }
    }

    internal static string ServiceOf(HttpRequest request) => LoopbackProxy.ServiceOf(request);

    internal static string? FormValue(byte[] body, string name)
    {
        foreach (string pair in Encoding.UTF8.GetString(body).Split('&'))
        {
            if (pair.StartsWith(name + "=", StringComparison.Ordinal))
            {
                return WebUtility.UrlDecode(pair[(name.Length + 1)..]);
            }
        }

        return null;
    }

    internal static string ActionOf(HttpRequest request, byte[] body)
    {
        string target = request.Headers["X-Amz-Target"].ToString();
        if (target.Length > 0)
        {
            return target[(target.LastIndexOf('.') + 1)..];
        }

        string query = request.QueryString.Value ?? "";
        string form = request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true
            ? Encoding.UTF8.GetString(body)
            : "";
        foreach (string pair in (query.TrimStart('?') + "&" + form).Split('&'))
        {
            if (pair.StartsWith("Action=", StringComparison.Ordinal))
            {
                return WebUtility.UrlDecode(pair["Action=".Length..]);
            }
        }

        return $"{request.Method} {request.Path}";
    }
}
