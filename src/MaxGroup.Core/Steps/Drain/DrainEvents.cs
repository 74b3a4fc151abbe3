using System.Globalization;
using System.Threading.Channels;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Steps.Drain;

/// <summary>
/// The Kubernetes Events one drain records on its node, as aws-node-termination-handler does: started (once cordoned),
/// each pod's eviction accepted, an eviction blocked by a PodDisruptionBudget (once per pod; it is retried), and the
/// end (succeeded, or failed naming the pods that did not leave).
/// </summary>
/// <remarks>
/// Best effort and off the drain's path: the drain only queues an event; one sender records them one at a time, each
/// bounded by <see cref="Bound"/>, so an event never holds up an eviction and at most one event request at a time
/// waits for the Kubernetes request budget (the events go through the drain's own budgeted client). Pod events that
/// queued up while the sender waited go out as one event per kind ("Evicted 4 pods: ..."), so the slower the budget
/// lets events through, the fewer requests they take from it. A refusal (no
/// RBAC for events, say), a timeout or an event still unsent after <see cref="FlushBound"/> at the end is logged and
/// counted (<see cref="Failed"/>), never thrown. Per-pod events stop after <see cref="MaxPodEvents"/> of each kind:
/// the end event still counts every pod.
/// </remarks>
public sealed class DrainEvents : IDisposable
{
    /// <summary>The longest one event's request may take.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(2);

    /// <summary>The longest the end of a drain waits for the events still queued to be sent.</summary>
    public static readonly TimeSpan FlushBound = TimeSpan.FromSeconds(1);

    /// <summary>At most this many evicted and this many blocked events per drain.</summary>
    public const int MaxPodEvents = 10;

    /// <summary>A failed drain's message names at most this many of the pods that did not leave.</summary>
    public const int MaxPodsNamed = 10;

    private readonly INodeDrainer _cluster;
    private readonly DrainNode _node;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sender;
    private int _queued;
    private int _recorded;
    private int _failed;
    private int _evictedTold;
    private int _blockedTold;
    /// <summary>Until when blocked evictions are retried (the drain's deadline), for a merged blocked event.</summary>
    private DateTimeOffset _retryUntil;

    public DrainEvents(INodeDrainer cluster, DrainNode node, TimeProvider clock, ILogger logger)
    {
        _cluster = cluster ?? throw new ArgumentNullException(nameof(cluster));
        _node = node ?? throw new ArgumentNullException(nameof(node));
        _clock = clock ?? throw new ArgumentNullException(nameof(clock));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _sender = Task.Run(SendAllAsync);
    }

    /// <summary>Events the API server took.</summary>
    public int Recorded => Volatile.Read(ref _recorded);

    /// <summary>Events refused, timed out, or unsent when the drain ended.</summary>
    public int Failed => Volatile.Read(ref _failed);

    public void Started(DrainRequest request, string cordon)
    {
        ArgumentNullException.ThrowIfNull(request);
        _retryUntil = request.Deadline;
        Queue(NodeEventReasons.DrainStarted,
            $"Draining node {_node.Name} for the interruption of instance {request.InstanceId} (event {request.EventId}): {cordon}; "
            + $"pods are evicted before {Time(request.Deadline)}", warning: false);
    }

    public void Evicted(string pod, long graceSeconds)
    {
        if (Interlocked.Increment(ref _evictedTold) <= MaxPodEvents)
        {
            string grace = $"grace period {graceSeconds.ToString(CultureInfo.InvariantCulture)} s";
            Queue(NodeEventReasons.PodEvicted, $"Evicted pod {pod} ({grace})", warning: false, pod, grace);
        }
    }

    public void Blocked(string pod, string? error, DateTimeOffset retryUntil)
    {
        if (Interlocked.Increment(ref _blockedTold) <= MaxPodEvents)
        {
            string why = error ?? "429 Too Many Requests";
            Queue(NodeEventReasons.EvictionBlocked,
                $"Eviction of pod {pod} blocked by a PodDisruptionBudget ({why}); retrying until {Time(retryUntil)}",
                warning: true, pod, why);
        }
    }

    /// <summary>The end of the drain: succeeded when every pod to evict left and nothing stopped it, failed otherwise.</summary>
    public void Ended(DrainReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.Remaining.Count == 0 && report.Error is null && !report.DeadlineReached)
        {
            Queue(NodeEventReasons.DrainSucceeded,
                $"Drained node {_node.Name}: {Count(report.Evicted.Count)} pod(s) evicted, {Count(report.Skipped.Count)} left alone (daemonset, mirror, finished)",
                warning: false);
            return;
        }

        string why = report.Error ?? (report.DeadlineReached ? "the deadline was reached" : "evictions were refused");
        string pods = string.Join(", ", report.Remaining.Take(MaxPodsNamed).Select(p => $"{p.Key} ({p.Value})"))
            + (report.Remaining.Count > MaxPodsNamed ? $" and {Count(report.Remaining.Count - MaxPodsNamed)} more" : "");
        Queue(NodeEventReasons.DrainFailed,
            $"Drain of node {_node.Name} incomplete ({why}): {Count(report.Evicted.Count)} pod(s) evicted; did not leave: {(pods.Length > 0 ? pods : "none")}",
            warning: true);
    }

    /// <summary>
    /// Ends the queue and waits at most <see cref="FlushBound"/> (or until <paramref name="cancellationToken"/> fires)
    /// for what is queued to be sent; whatever is left is abandoned and counted as failed.
    /// </summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        try
        {
            await _sender.WaitAsync(FlushBound, _clock, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            int unsent = Volatile.Read(ref _queued) - Recorded - Failed;
            if (unsent > 0)
            {
                Interlocked.Add(ref _failed, unsent);
                _logger.LogWarning("{Count} Kubernetes event(s) for node {Node} were still unsent when the drain ended; dropped", unsent, _node.Name);
            }
        }
    }

    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _stop.Cancel();
        _stop.Dispose();
    }

    private void Queue(string reason, string message, bool warning, string? pod = null, string? detail = null)
    {
        if (_queue.Writer.TryWrite(new Pending(new NodeEvent(_clock.GetUtcNow(), reason, message, warning), pod, detail)))
        {
            Interlocked.Increment(ref _queued);
        }
    }

    /// <summary>
    /// The events to send for what queued up: each pod event joins the first one of its kind since the last drain
    /// event (started, ended), so the order of started, pod events and the end is kept.
    /// </summary>
    private List<NodeEvent> Coalesce(List<Pending> batch)
    {
        var groups = new List<List<Pending>>();
        var open = new Dictionary<string, List<Pending>>(StringComparer.Ordinal);
        foreach (Pending pending in batch)
        {
            if (pending.Pod is null)
            {
                open.Clear();
                groups.Add([pending]);
            }
            else if (open.TryGetValue(pending.Event.Reason, out List<Pending>? group))
            {
                group.Add(pending);
            }
            else
            {
                open[pending.Event.Reason] = [pending];
                groups.Add(open[pending.Event.Reason]);
            }
        }

        return groups.Select(g => g.Count == 1 ? g[0].Event : Merge(g)).ToList();
    }

    private NodeEvent Merge(List<Pending> group)
    {
        NodeEvent first = group[0].Event;
        string pods = string.Join(", ", group.Select(p => $"{p.Pod} ({p.Detail})"));
        string message = first.Reason == NodeEventReasons.EvictionBlocked
            ? $"Eviction of {Count(group.Count)} pods blocked by a PodDisruptionBudget; retrying until {Time(_retryUntil)}: {pods}"
            : $"Evicted {Count(group.Count)} pods: {pods}";
        return first with { Message = message };
    }

    private async Task SendAllAsync()
    {
        // Taken once: the source may be disposed while the last request is still being cancelled.
        CancellationToken stop = _stop.Token;
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stop).ConfigureAwait(false))
            {
                var batch = new List<Pending>();
                while (_queue.Reader.TryRead(out Pending? pending))
                {
                    batch.Add(pending);
                }

                List<NodeEvent> events = Coalesce(batch);
                // Counted in events sent from here on: what was merged is one event, sent or failed once.
                Interlocked.Add(ref _queued, events.Count - batch.Count);
                foreach (NodeEvent nodeEvent in events)
                {
                    await SendAsync(nodeEvent, stop).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The flush gave up: what is left is counted there.
        }
    }

    private async Task SendAsync(NodeEvent nodeEvent, CancellationToken stop)
    {
        try
        {
            using var timer = new CancellationTokenSource(Bound, _clock);
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(stop, timer.Token);
            await _cluster.RecordEventAsync(_node, nodeEvent, bound.Token).WaitAsync(Bound, _clock, bound.Token).ConfigureAwait(false);
            Interlocked.Increment(ref _recorded);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            Interlocked.Increment(ref _failed);
            _logger.LogWarning("Could not record Kubernetes event {Reason} on node {Node} ({Error}); the drain goes on", nodeEvent.Reason, _node.Name, ex.Message);
        }
    }

    /// <summary>A queued event; pod events carry the pod and its detail so that several can become one.</summary>
    private sealed record Pending(NodeEvent Event, string? Pod, string? Detail);

    private static string Count(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
