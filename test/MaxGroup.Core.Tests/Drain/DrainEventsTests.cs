using MaxGroup.Core.Steps.Drain;

namespace MaxGroup.Core.Tests.Drain;

/// <summary>The drain's node events: queued off the drain's path, bounded, capped, failures counted and never thrown.</summary>
public sealed class DrainEventsTests
{
    private static readonly DrainNode Node = new() { Name = "node-a" };

    [Fact]
    public async Task Events_ManyPodsQueuedAtOnce_CappedPerKindAndMergedInOrder()
    {
        var cluster = new EventCluster();
        using var events = new DrainEvents(cluster, Node, TimeProvider.System, NullLogger.Instance);

        events.Started(Request(), "cordoned");
        for (int i = 0; i < 25; i++)
        {
            events.Blocked($"app/web-{i:00}", "429", DateTimeOffset.UnixEpoch);
            events.Evicted($"app/web-{i:00}", 30);
        }

        events.Ended(new DrainReport());
        await events.FlushAsync(CancellationToken.None);

        IReadOnlyList<NodeEvent> sent = cluster.Recorded;
        Assert.Equal(NodeEventReasons.DrainStarted, sent[0].Reason);
        Assert.Equal(NodeEventReasons.DrainSucceeded, sent[^1].Reason);
        // Ten pods of each kind are told (the cap), however many events they were merged into.
        Assert.Equal(DrainEvents.MaxPodEvents, sent.Where(e => e.Reason == NodeEventReasons.EvictionBlocked).Sum(PodsNamed));
        Assert.Equal(DrainEvents.MaxPodEvents, sent.Where(e => e.Reason == NodeEventReasons.PodEvicted).Sum(PodsNamed));
        Assert.All(sent.Where(e => e.Reason == NodeEventReasons.EvictionBlocked), e => Assert.True(e.Warning));
        Assert.True(sent.Count <= 2 + (2 * DrainEvents.MaxPodEvents), $"{sent.Count} events");
        Assert.Equal((sent.Count, 0), (events.Recorded, events.Failed));
    }

    [Fact]
    public async Task Events_PodEventsQueuedWhileTheSenderWaits_GoOutAsOneEventPerKind()
    {
        var cluster = new EventCluster { Gate = new TaskCompletionSource() };
        using var events = new DrainEvents(cluster, Node, TimeProvider.System, NullLogger.Instance);
        events.Started(Request(), "cordoned");
        await cluster.FirstCall.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // The sender is held on Started: these queue up behind it.
        events.Blocked("app/web-1", "pdb web-pdb", DateTimeOffset.UnixEpoch);
        events.Evicted("app/api-1", 30);
        events.Evicted("app/api-2", 5);
        events.Ended(new DrainReport());
        cluster.Gate.SetResult();
        await events.FlushAsync(CancellationToken.None);

        Assert.Equal(
            [NodeEventReasons.DrainStarted, NodeEventReasons.EvictionBlocked, NodeEventReasons.PodEvicted, NodeEventReasons.DrainSucceeded],
            cluster.Recorded.Select(e => e.Reason));
        Assert.Equal("Evicted 2 pods: app/api-1 (grace period 30 s), app/api-2 (grace period 5 s)", cluster.Recorded[2].Message);
        Assert.Equal((4, 0), (events.Recorded, events.Failed));
    }

    [Fact]
    public async Task Events_RecorderThrows_CountedNeverThrown()
    {
        var cluster = new EventCluster { Failure = new ClusterApiException("403 Forbidden: events is forbidden", 403) };
        using var events = new DrainEvents(cluster, Node, TimeProvider.System, NullLogger.Instance);

        events.Started(Request(), "cordoned");
        events.Evicted("app/web-1", 1);
        events.Ended(new DrainReport());
        await events.FlushAsync(CancellationToken.None);

        Assert.Equal((0, 3), (events.Recorded, events.Failed));
    }

    [Fact]
    public async Task Flush_RecorderHangs_ReturnsWithinItsBoundAndCountsTheUnsent()
    {
        var cluster = new EventCluster { Hang = true };
        using var events = new DrainEvents(cluster, Node, TimeProvider.System, NullLogger.Instance);
        events.Started(Request(), "cordoned");
        events.Evicted("app/web-1", 1);
        var watch = System.Diagnostics.Stopwatch.StartNew();

        events.Ended(new DrainReport());
        await events.FlushAsync(CancellationToken.None);

        Assert.True(watch.Elapsed < DrainEvents.FlushBound + TimeSpan.FromSeconds(2), $"the flush took {watch.Elapsed}");
        Assert.Equal((0, 3), (events.Recorded, events.Failed));
    }

    [Fact]
    public async Task Ended_PodsLeft_FailedWarningNamingThem()
    {
        var cluster = new EventCluster();
        using var events = new DrainEvents(cluster, Node, TimeProvider.System, NullLogger.Instance);
        var report = new DrainReport { DeadlineReached = true };
        report.Evicted.Add("app/api-1");
        for (int i = 0; i < 12; i++)
        {
            report.Remaining[$"app/web-{i:00}"] = "pdb: blocked";
        }

        events.Ended(report);
        await events.FlushAsync(CancellationToken.None);

        NodeEvent end = Assert.Single(cluster.Recorded);
        Assert.Equal((NodeEventReasons.DrainFailed, true), (end.Reason, end.Warning));
        Assert.StartsWith("Drain of node node-a incomplete (the deadline was reached): 1 pod(s) evicted; did not leave: app/web-00 (pdb: blocked), ", end.Message, StringComparison.Ordinal);
        Assert.EndsWith("app/web-09 (pdb: blocked) and 2 more", end.Message, StringComparison.Ordinal);
    }

    private static int PodsNamed(NodeEvent e) => e.Message.Split("app/web-").Length - 1;

    private static DrainRequest Request() => new()
    {
        InstanceId = "i-0123456789abcdef0",
        AvailabilityZone = "us-east-1a",
        EventId = "e-1",
        WarningTime = DateTimeOffset.UnixEpoch,
        Deadline = DateTimeOffset.UnixEpoch.AddMinutes(2),
    };

    /// <summary>A drainer that only records events (or fails or hangs doing so).</summary>
    private sealed class EventCluster : INodeDrainer
    {
        private readonly List<NodeEvent> _recorded = [];

        public Exception? Failure { get; init; }

        public bool Hang { get; init; }

        /// <summary>When set, the first event waits for it.</summary>
        public TaskCompletionSource? Gate { get; init; }

        public TaskCompletionSource FirstCall { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IReadOnlyList<NodeEvent> Recorded
        {
            get
            {
                lock (_recorded)
                {
                    return _recorded.ToList();
                }
            }
        }

        public async Task RecordEventAsync(DrainNode node, NodeEvent nodeEvent, CancellationToken cancellationToken)
        {
            if (FirstCall.TrySetResult() && Gate is not null)
            {
                await Gate.Task.WaitAsync(cancellationToken);
            }

            if (Hang)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            if (Failure is not null)
            {
                throw Failure;
            }

            lock (_recorded)
            {
                _recorded.Add(nodeEvent);
            }
        }

        public Task<DrainNode?> FindNodeAsync(DrainRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<CordonResult> CordonAsync(DrainNode node, string eventId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<DrainNode>> ListNodesAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<DrainPod>> ListPodsAsync(string nodeName, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<PodEviction> EvictAsync(DrainPod pod, long gracePeriodSeconds, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
