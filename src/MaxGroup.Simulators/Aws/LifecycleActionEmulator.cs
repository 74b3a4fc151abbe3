using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace MaxGroup.Simulators.Aws;

/// <summary>One lifecycle action the emulator holds, with every call it accepted or refused.</summary>
public sealed record EmulatedLifecycleCall(string Action, string InstanceId, string? Token, string? Result, bool Accepted, DateTimeOffset At);

/// <summary>
/// AWS's documented semantics of CompleteLifecycleAction and RecordLifecycleActionHeartbeat, which moto 5.2.1 answers
/// "not implemented": a test begins an action (what Auto Scaling does when an instance enters Terminating:Wait); a call
/// naming another token, hook or group, or coming after the action ended, is a ValidationError ("No active Lifecycle
/// Action found"); a heartbeat extends the action by the hook's heartbeat timeout; a completion ends it, so a second one
/// is refused; an action nobody completed ends when its heartbeat timeout passes (Auto Scaling applies the default), and
/// no heartbeat keeps it past its global timeout (100 x the heartbeat timeout or 48 hours, the smaller).
/// The tests' fault proxy and the demo's proxy (<see cref="SerializingDynamoDbProxy"/>) answer the two calls from it.
/// </summary>
public sealed class LifecycleActionEmulator(TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, Action> _actions = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<EmulatedLifecycleCall> _calls = new();

    public IReadOnlyList<EmulatedLifecycleCall> Calls => _calls.ToArray();

    /// <summary>An instance enters Terminating:Wait on <paramref name="hook"/>: the action lasts <paramref name="heartbeatTimeout"/> unless kept alive.</summary>
    public void Begin(string group, string hook, string instanceId, string token, TimeSpan heartbeatTimeout)
    {
        DateTimeOffset now = _time.GetUtcNow();
        TimeSpan global = TimeSpan.FromTicks(Math.Min(heartbeatTimeout.Ticks * 100, TimeSpan.FromHours(48).Ticks));
        _actions[instanceId] = new Action(group, hook, token, heartbeatTimeout, now + global) { Until = now + heartbeatTimeout };
    }

    /// <summary>Whether the action of <paramref name="instanceId"/> timed out before anyone completed it.</summary>
    public bool TimedOut(string instanceId) => _actions.TryGetValue(instanceId, out Action? a) && a.Completed is null && _time.GetUtcNow() > a.Until;

    public static bool Handles(string action) => action is "CompleteLifecycleAction" or "RecordLifecycleActionHeartbeat";

    /// <summary>
    /// Waits for the action of <paramref name="instanceId"/> to end, as Auto Scaling holds an instance in Terminating:Wait:
    /// the result it was completed with (CONTINUE or ABANDON), or null when its heartbeat timeout passed first.
    /// </summary>
    public async Task<string?> EndedAsync(string instanceId, CancellationToken cancellationToken)
    {
        if (!_actions.TryGetValue(instanceId, out Action? held))
        {
            throw new InvalidOperationException($"no lifecycle action was begun for {instanceId}");
        }

        while (true)
        {
            lock (_actions)
            {
                if (held.Completed is not null || _time.GetUtcNow() > held.Until)
                {
                    return held.Completed;
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Answers a Query-protocol request body when its Action is one of the two; null for any other action.</summary>
    public (int Status, string Body)? TryAnswer(byte[] formBody)
    {
        Dictionary<string, string> form = FormValues(formBody);
        return form.TryGetValue("Action", out string? action) && Handles(action) ? Answer(action, form) : null;
    }

    /// <summary>The fields of an application/x-www-form-urlencoded body (the Query protocol's).</summary>
    public static Dictionary<string, string> FormValues(byte[] body) =>
        Encoding.UTF8.GetString(body).Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .Where(kv => kv.Length == 2)
            .GroupBy(kv => WebUtility.UrlDecode(kv[0]), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => WebUtility.UrlDecode(g.First()[1]), StringComparer.Ordinal);

    /// <summary>
    /// DetachInstances naming an instance whose action is still open, answered as Auto Scaling does: it detaches only
    /// instances in service or in standby (the user guide, "Detach or attach instances"), and one in Terminating:Wait is
    /// neither, so the call is a ValidationError; null when no named instance holds an open action (moto answers then).
    /// </summary>
    public (int Status, string Body)? RefuseDetach(IReadOnlyDictionary<string, string> form)
    {
        DateTimeOffset now = _time.GetUtcNow();
        string? held = form.Where(p => p.Key.StartsWith("InstanceIds.member.", StringComparison.Ordinal)).Select(p => p.Value)
            .FirstOrDefault(id => _actions.TryGetValue(id, out Action? a) && a.Completed is null && now <= a.Until);
        if (held is null)
        {
            return null;
        }

        _calls.Enqueue(new EmulatedLifecycleCall("DetachInstances", held, null, null, false, now));
        return (400, "<ErrorResponse xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\"><Error><Type>Sender</Type><Code>ValidationError</Code>"
            + $"<Message>The instance {WebUtility.HtmlEncode(held)} is not in InService or Standby.</Message></Error><RequestId>lifecycle-emulator</RequestId></ErrorResponse>");
    }

    /// <summary>Answers one call as Auto Scaling would: (status, XML body).</summary>
    public (int Status, string Body) Answer(string action, IReadOnlyDictionary<string, string> form)
    {
        string instanceId = form.GetValueOrDefault("InstanceId") ?? "";
        string? token = form.GetValueOrDefault("LifecycleActionToken");
        string? result = form.GetValueOrDefault("LifecycleActionResult");
        DateTimeOffset now = _time.GetUtcNow();
        bool accepted;
        lock (_actions)
        {
            accepted = _actions.TryGetValue(instanceId, out Action? held)
                && held.Completed is null
                && now <= held.Until
                && held.Group == form.GetValueOrDefault("AutoScalingGroupName")
                && held.Hook == form.GetValueOrDefault("LifecycleHookName")
                && (token is null || token == held.Token)
                && (action != "CompleteLifecycleAction" || result is "CONTINUE" or "ABANDON");
            if (accepted)
            {
                if (action == "CompleteLifecycleAction")
                {
                    held!.Completed = result;
                }
                else
                {
                    held!.Until = now + held.HeartbeatTimeout < held.GlobalDeadline ? now + held.HeartbeatTimeout : held.GlobalDeadline;
                }
            }
        }

        _calls.Enqueue(new EmulatedLifecycleCall(action, instanceId, token, result, accepted, now));
        return accepted
            ? (200, $"<{action}Response xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\"><{action}Result/><ResponseMetadata><RequestId>lifecycle-emulator</RequestId></ResponseMetadata></{action}Response>")
            : (400, "<ErrorResponse xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\"><Error><Type>Sender</Type><Code>ValidationError</Code>"
                + $"<Message>No active Lifecycle Action found with instance ID {WebUtility.HtmlEncode(instanceId)}</Message></Error><RequestId>lifecycle-emulator</RequestId></ErrorResponse>");
    }

    private sealed record Action(string Group, string Hook, string Token, TimeSpan HeartbeatTimeout, DateTimeOffset GlobalDeadline)
    {
        public DateTimeOffset Until { get; set; }
        public string? Completed { get; set; }
    }
}
