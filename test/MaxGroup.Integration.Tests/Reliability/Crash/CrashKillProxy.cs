using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace MaxGroup.Integration.Tests.Reliability.Crash;

/// <summary>Where the drill kills: the <see cref="Occurrence"/>-th call of <see cref="Call"/> (service:Action), before it is forwarded or after its answer.</summary>
public sealed record CrashKillPoint(string Call, int Occurrence, bool Before)
{
    public string Key => $"{(Before ? "before" : "after")} {Call} #{Occurrence}";
}

/// <summary>One call a child made, as the kill proxy saw it (its own clock), with the instance ids an Auto Scaling call named.</summary>
public sealed record CrashCall(string Child, string Call, bool Mutating, int Occurrence, DateTimeOffset Start, DateTimeOffset End, int Status, string Note, IReadOnlyList<string> InstanceIds);

/// <summary>
/// The crash drill's proxy in front of AWS (the chain behind it keeps the ClientToken semantics of CreateFleet and RunInstances and serialises
/// DynamoDB and Auto Scaling for moto). Each child process gets its own loopback listener, so the proxy knows whose call
/// it holds. It counts the hand-over's mutating calls per service:Action and, at the scripted <see cref="CrashKillPoint"/>,
/// SIGKILLs the child that made the call and drops its connection: before (never forwarded) or after (forwarded, the
/// answer discarded). Lambda's async Invoke is answered 202 here and its payload handed to <see cref="LambdaInvoked"/>.
/// </summary>
public sealed class CrashKillProxy : IAsyncDisposable
{
    /// <summary>The calls of a hand-over that change something in AWS: where a death leaves work half done.</summary>
    public static readonly IReadOnlySet<string> MutatingCalls = new HashSet<string>(StringComparer.Ordinal)
    {
        "ec2:CreateFleet", "ec2:RunInstances", "ec2:ModifyInstanceAttribute", "ec2:CreateTags", "ec2:AttachVolume", "ec2:DetachVolume", "ec2:CreateSnapshot", "ec2:CreateVolume",
        "autoscaling:AttachInstances", "autoscaling:DetachInstances", "autoscaling:UpdateAutoScalingGroup", "autoscaling:SetDesiredCapacity",
        "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:TransactWriteItems",
        "lambda:Invoke",
    };

    private const string InvokePathStart = "/2015-03-31/functions/";

    private readonly HttpClient _upstream = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = TimeSpan.FromSeconds(60) };
    private readonly string _upstreamBase;
    private readonly CrashKillPoint? _killAt;
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<CrashCall> _calls = new();
    private readonly ConcurrentBag<WebApplication> _listeners = [];
    private int _fired;

    public CrashKillProxy(string upstream, CrashKillPoint? killAt)
    {
        _upstreamBase = upstream.TrimEnd('/');
        _killAt = killAt;
    }

    /// <summary>An async Invoke Lambda accepted: the function name and the payload. The harness runs the step.</summary>
    public Func<string, byte[], Task>? LambdaInvoked { get; set; }

    public IReadOnlyList<CrashCall> Calls => _calls.ToArray();

    /// <summary>The child killed at the scripted point and when; null while it has not fired.</summary>
    public (string Child, DateTimeOffset At)? Kill { get; private set; }

    /// <summary>A listener for one child: http://127.0.0.1:PORT to give it as AWS_ENDPOINT_URL.</summary>
    public async Task<string> ListenForAsync(CrashChild child)
    {
        (WebApplication app, Uri address) = await LoopbackProxy.StartAsync(context => HandleAsync(context, child));
        _listeners.Add(app);
        return address.GetLeftPart(UriPartial.Authority);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (WebApplication listener in _listeners)
        {
            await LoopbackProxy.StopAsync(listener);
        }

        _upstream.Dispose();
    }

    private async Task HandleAsync(HttpContext context, CrashChild child)
    {
        DateTimeOffset start = DateTimeOffset.UtcNow;
        byte[] body = await LoopbackProxy.ReadBodyAsync(context.Request);
        string path = context.Request.Path.Value ?? "";
        bool invoke = context.Request.Method == "POST" && path.StartsWith(InvokePathStart, StringComparison.Ordinal) && path.EndsWith("/invocations", StringComparison.Ordinal);
        string call = invoke ? "lambda:Invoke" : $"{AwsFaultProxy.ServiceOf(context.Request)}:{AwsFaultProxy.ActionOf(context.Request, body)}";
        bool mutating = MutatingCalls.Contains(call);
        int occurrence = mutating ? _counts.AddOrUpdate(call, 1, (_, n) => n + 1) : 0;
        bool kill = mutating && _killAt is { } point && point.Call == call && point.Occurrence == occurrence && Interlocked.Exchange(ref _fired, 1) == 0;
        IReadOnlyList<string> instanceIds = call.StartsWith("autoscaling:", StringComparison.Ordinal) ? FormList((context.Request.QueryString.Value ?? "").TrimStart('?') + "&" + Encoding.UTF8.GetString(body), "InstanceIds.member.") : [];
        void Record(int status, string note) => _calls.Enqueue(new CrashCall(child.Label, call, mutating, occurrence, start, DateTimeOffset.UtcNow, status, note, instanceIds));

        if (kill && _killAt!.Before)
        {
            KillChild(child);
            Record(0, "killed before");
            context.Abort();
            return;
        }

        if (invoke)
        {
            string function = Uri.UnescapeDataString(path[InvokePathStart.Length..^"/invocations".Length]);
            if (LambdaInvoked is { } accepted)
            {
                await accepted(function, body);
            }

            if (kill)
            {
                KillChild(child);
                Record(202, "killed after");
                context.Abort();
                return;
            }

            context.Response.StatusCode = (int)HttpStatusCode.Accepted;
            Record(202, $"invoked {function}");
            return;
        }

        using HttpRequestMessage forward = LoopbackProxy.ForwardRequest(context.Request, _upstreamBase, body);
        using HttpResponseMessage response = await _upstream.SendAsync(forward, CancellationToken.None);
        byte[] answer = await response.Content.ReadAsByteArrayAsync(CancellationToken.None);
        if (kill)
        {
            KillChild(child);
            Record((int)response.StatusCode, "killed after");
            context.Abort();
            return;
        }

        await LoopbackProxy.WriteResponseAsync(context, response, answer);
        Record((int)response.StatusCode, "");
    }

    private void KillChild(CrashChild child)
    {
        child.Kill();
        Kill = (child.Label, DateTimeOffset.UtcNow);
    }

    /// <summary>The values of a Query list (InstanceIds.member.1, .2 ...) in a query string or form body.</summary>
    private static List<string> FormList(string form, string prefix) =>
        form.Split('&')
            .Where(pair => pair.StartsWith(prefix, StringComparison.Ordinal) && pair.Contains('=', StringComparison.Ordinal))
            .Select(pair => WebUtility.UrlDecode(pair[(pair.IndexOf('=', StringComparison.Ordinal) + 1)..]))
            .ToList();
}
