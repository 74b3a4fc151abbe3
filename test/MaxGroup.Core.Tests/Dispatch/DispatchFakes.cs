using System.Collections.Concurrent;
using MaxGroup.Core.Steps;

namespace MaxGroup.Core.Tests.Dispatch;

/// <summary>Instances by id, as DescribeInstances would answer; counts calls.</summary>
internal sealed class FakeInventory : IInstanceInventory
{
    private readonly ConcurrentDictionary<string, InstanceFacts> _instances = new();
    private int _calls;

    public int Calls => _calls;

    public void Add(InstanceFacts facts) => _instances[facts.InstanceId] = facts;

    public Task<InstanceFacts?> DescribeInstanceAsync(string instanceId, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        return Task.FromResult(_instances.GetValueOrDefault(instanceId));
    }
}

/// <summary>Records every start; can be told to fail a step's start.</summary>
internal sealed class RecordingInvoker : IFunctionInvoker
{
    public ConcurrentQueue<RemediationRequest> Started { get; } = new();

    public HashSet<string> FailingSteps { get; } = [];

    public Task StartAsync(RemediationRequest request, CancellationToken cancellationToken)
    {
        if (FailingSteps.Contains(request.Step))
        {
            throw new RemoteApiException("lambda", "ResourceNotFoundException", "function not found", 404);
        }

        Started.Enqueue(request);
        return Task.CompletedTask;
    }
}

/// <summary>Records volume triggers it receives.</summary>
internal sealed class RecordingVolumeTriggers : IVolumeTriggers
{
    public List<MaxGroupEvent> Received { get; } = [];

    public Task<DispatchResult> OnInstanceStateChangeAsync(MaxGroupEvent.InstanceStateChange stateChange, CancellationToken cancellationToken) => Route(stateChange);

    public Task<DispatchResult> OnInstanceLaunchAsync(MaxGroupEvent.AutoScalingLaunch launch, CancellationToken cancellationToken) => Route(launch);

    public Task<DispatchResult> SweepAsync(MaxGroupEvent.Scheduled scheduled, CancellationToken cancellationToken) => Route(scheduled);

    private Task<DispatchResult> Route(MaxGroupEvent e)
    {
        Received.Add(e);
        return Task.FromResult(new DispatchResult { Status = DispatchStatus.Routed, Reason = "volume", EventId = e.Id, DetailType = e.DetailType });
    }
}

/// <summary>A remediation step that counts its runs and returns a fixed outcome, or waits on the clock.</summary>
internal sealed class CountingStep(string name, TimeProvider clock, TimeSpan? runFor = null) : IRemediationStep
{
    private int _runs;

    public int Runs => _runs;

    public string Name { get; } = name;

    public bool EndsAtReclaim(RemediationRequest request) => true;

    public async Task<StepOutcome> RunAsync(RemediationRequest request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _runs);
        if (runFor is { } duration)
        {
            await Task.Delay(duration, clock, cancellationToken);
        }

        return StepOutcome.Done("ran");
    }
}

/// <summary>Builders for events and instances.</summary>
internal static class Samples
{
    public static readonly DateTimeOffset WarningTime = new(2026, 11, 24, 8, 14, 21, TimeSpan.Zero);

    public static MaxGroupEvent.SpotInterruption Warning(string instanceId, string eventId = "ev-1", DateTimeOffset? time = null, string action = "terminate") =>
        (MaxGroupEvent.SpotInterruption)EventParser.Parse($$$"""
            {"version":"0","id":"{{{eventId}}}","detail-type":"EC2 Spot Instance Interruption Warning","source":"aws.ec2",
             "account":"123456789012","time":"{{{(time ?? WarningTime).UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}}}","region":"us-east-1",
             "resources":["arn:aws:ec2:us-east-1a:instance/{{{instanceId}}}"],
             "detail":{"instance-id":"{{{instanceId}}}","instance-action":"{{{action}}}"}}
            """);

    /// <summary>
    /// The ledger record the dispatcher begins for one warning (ev-1) of an instance of group web whose one step is
    /// replace, reclaimed 120 s after <paramref name="warningTime"/> (default <see cref="WarningTime"/>); with
    /// <paramref name="withTimeline"/>, the warning is on its timeline too.
    /// </summary>
    public static InterruptionRecord ReplaceInterruption(string instanceId, DateTimeOffset? warningTime = null, bool withTimeline = false)
    {
        DateTimeOffset warning = warningTime ?? WarningTime;
        var record = new InterruptionRecord
        {
            InstanceId = instanceId,
            EventIds = ["ev-1"],
            GroupName = "web",
            WarningTime = warning,
            ReclaimAt = warning.AddSeconds(120),
            Steps = [new StepRecord { Name = "replace" }],
        };
        return withTimeline ? record with { Timeline = [new TimelineEntry(warning, "interruption", "warning")] } : record;
    }

    public static InstanceFacts Instance(string instanceId, string? group = "web", string state = "running", string type = "m5.large") => new()
    {
        InstanceId = instanceId,
        GroupName = group,
        AvailabilityZone = "us-east-1a",
        SubnetId = "subnet-a",
        InstanceType = type,
        Lifecycle = "spot",
        State = state,
        PrivateIpAddress = "10.0.0.10",
        LaunchTemplate = new LaunchTemplateRef("lt-1", null, "3"),
    };
}

/// <summary>
/// The in-memory ledger, seen from a run that can lose touch with it (while <see cref="RenewalsFail"/>, its lease
/// renewals fail as an unreachable DynamoDB would) and watched by the test (<see cref="BeforeBegin"/> runs as each
/// begin arrives). Everything else goes straight through.
/// </summary>
internal sealed class ObservedLedger(ILedger inner) : ILedger
{
    public bool RenewalsFail { get; set; }

    public Action? BeforeBegin { get; set; }

    public Task<bool> TryRenewStepLeaseAsync(string instanceId, string step, StepHold hold, DateTimeOffset until, CancellationToken cancellationToken) =>
        RenewalsFail
            ? Task.FromException<bool>(new RemoteApiException("dynamodb", "ServiceUnavailable", "cut off", 503))
            : inner.TryRenewStepLeaseAsync(instanceId, step, hold, until, cancellationToken);

    public Task<BeginResult> TryBeginInterruptionAsync(InterruptionRecord record, InFlightLimits limits, DateTimeOffset now, CancellationToken cancellationToken) =>
        inner.TryBeginInterruptionAsync(record, limits, now, cancellationToken);

    public Task<BeginResult> TryBeginInterruptionAsync(InterruptionRecord record, InFlightLimits limits, DateTimeOffset now, string? claimStep, CancellationToken cancellationToken) =>
        inner.TryBeginInterruptionAsync(record, limits, now, claimStep, cancellationToken);

    public Task<BeginResult> TryBeginInterruptionAsync(InterruptionRecord record, InFlightLimits limits, DateTimeOffset now, string? claimStep, string? pendingClaim, CancellationToken cancellationToken)
    {
        BeforeBegin?.Invoke();
        return inner.TryBeginInterruptionAsync(record, limits, now, claimStep, pendingClaim, cancellationToken);
    }

    public Task<bool> TryConsumeStepClaimAsync(string instanceId, string step, string claim, string runId, CancellationToken cancellationToken) =>
        inner.TryConsumeStepClaimAsync(instanceId, step, claim, runId, cancellationToken);

    /// <summary>While true, reads fail as an unreachable DynamoDB would.</summary>
    public bool ReadsFail { get; set; }

    public Task<InterruptionRecord?> GetAsync(string instanceId, CancellationToken cancellationToken) =>
        ReadsFail ? throw new RemoteApiException("dynamodb", "ServiceUnavailable", "the ledger is unreachable", 503) : inner.GetAsync(instanceId, cancellationToken);

    public Task<StepStart> TryStartStepAsync(string instanceId, string step, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken) =>
        inner.TryStartStepAsync(instanceId, step, now, lease, cancellationToken);

    public Task<StepStart> TryStartStepAsync(string instanceId, string step, DateTimeOffset now, TimeSpan lease, string? claim, CancellationToken cancellationToken) =>
        inner.TryStartStepAsync(instanceId, step, now, lease, claim, cancellationToken);

    public Task<bool> TryClaimSuccessorAsync(string successorInstanceId, string instanceId, DateTimeOffset now, CancellationToken cancellationToken) =>
        inner.TryClaimSuccessorAsync(successorInstanceId, instanceId, now, cancellationToken);

    public Task<InterruptionRecord?> RecordStepAsync(string instanceId, string step, StepOutcome outcome, DateTimeOffset now, CancellationToken cancellationToken) =>
        inner.RecordStepAsync(instanceId, step, outcome, now, cancellationToken);

    public Task<(bool Recorded, InterruptionRecord? Record)> RecordHeldStepAsync(string instanceId, string step, StepOutcome outcome, DateTimeOffset now, StepHold hold, CancellationToken cancellationToken) =>
        inner.RecordHeldStepAsync(instanceId, step, outcome, now, hold, cancellationToken);

    public Task<IReadOnlyList<InterruptionRecord>> ListActiveAsync(CancellationToken cancellationToken) => inner.ListActiveAsync(cancellationToken);

    public Task SetSuccessorAsync(string instanceId, string successorInstanceId, DateTimeOffset now, CancellationToken cancellationToken) =>
        inner.SetSuccessorAsync(instanceId, successorInstanceId, now, cancellationToken);

    public Task SetVolumeAsync(string instanceId, string volumeId, DateTimeOffset now, CancellationToken cancellationToken) =>
        inner.SetVolumeAsync(instanceId, volumeId, now, cancellationToken);

    public Task SetProgressAsync(string instanceId, string key, string value, CancellationToken cancellationToken) =>
        inner.SetProgressAsync(instanceId, key, value, cancellationToken);

    public Task<bool> TryCompleteInterruptionAsync(string instanceId, DateTimeOffset now, CancellationToken cancellationToken) =>
        inner.TryCompleteInterruptionAsync(instanceId, now, cancellationToken);

    public Task<IReadOnlyList<QueuedInterruption>> ListQueuedAsync(CancellationToken cancellationToken) => inner.ListQueuedAsync(cancellationToken);

    public Task<bool> TryPromoteQueuedAsync(string instanceId, InFlightLimits limits, DateTimeOffset now, CancellationToken cancellationToken) =>
        inner.TryPromoteQueuedAsync(instanceId, limits, now, cancellationToken);

    public Task<IReadOnlyList<InterruptionRecord>> ListRecentAsync(int limit, CancellationToken cancellationToken) => inner.ListRecentAsync(limit, cancellationToken);
}
