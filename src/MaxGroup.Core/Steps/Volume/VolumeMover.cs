using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Steps.Volume;

/// <summary>
/// Moves the persistent data volume (persistence_dev) of an interrupted instance to its successor. The state of
/// each move lives in the volume's tags (<see cref="VolumeTags"/>); every entry point is idempotent and resumes
/// from them, so the triggers may come duplicated, out of order, or not at all (the sweep catches up).
/// MaxGroup never deletes a volume: <see cref="IVolumeApi"/> has no operation that could.
/// </summary>
/// <remarks>
/// The entry points (the warning, the EC2 and Auto Scaling triggers, the sweep) live here; the move itself is
/// <see cref="VolumeMoveStateMachine"/>, which chooses the target with <see cref="SuccessorChooser"/>, copies
/// across zones with <see cref="CrossZoneCopier"/> and writes every state and claim with <see cref="VolumeTagWriter"/>.
/// </remarks>
public sealed class VolumeMover
{
    private readonly IVolumeApi _ec2;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly IMetrics _metrics;
    private readonly VolumeTagWriter _tags;
    private readonly VolumeMoveStateMachine _moves;
    private readonly VolumeMovePreparation _preparation;

    /// <param name="ec2">EC2 volume operations.</param>
    /// <param name="clock">Time source (tags, waits).</param>
    /// <param name="logger">Where plans and decisions are logged.</param>
    /// <param name="metrics">Sweep metrics; null discards them.</param>
    /// <param name="autoScaling">When given, group membership is read from Auto Scaling (InService); otherwise from the aws:autoscaling:groupName tag.</param>
    /// <param name="successors">When given, the successor the replace step recorded in the ledger.</param>
    /// <param name="options">In-process wait bounds.</param>
    public VolumeMover(
        IVolumeApi ec2,
        TimeProvider clock,
        ILogger logger,
        IMetrics? metrics = null,
        IAutoScalingApi? autoScaling = null,
        ISuccessorLookup? successors = null,
        VolumeMoverOptions? options = null)
    {
        _ec2 = ec2;
        _clock = clock;
        _logger = logger;
        _metrics = metrics ?? NullMetrics.Instance;
        var reader = new VolumeReader(ec2, clock, options ?? new VolumeMoverOptions());
        _tags = new VolumeTagWriter(ec2, reader, clock, logger);
        var chooser = new SuccessorChooser(ec2, autoScaling, successors);
        var copier = new CrossZoneCopier(ec2, reader, _tags, chooser, logger);
        _moves = new VolumeMoveStateMachine(ec2, reader, _tags, chooser, copier, logger);
        _preparation = new VolumeMovePreparation(ec2, reader, _tags, _moves, logger);
    }

    /// <summary>
    /// The interruption warning: at once turn DeleteOnTermination off for the data volume and tag it with the move,
    /// then try once to complete it (it usually waits for the instance to go).
    /// </summary>
    public Task<StepOutcome> PrepareAsync(RemediationRequest request, CancellationToken cancellationToken) =>
        _preparation.PrepareAsync(request, null, cancellationToken);

    /// <summary>As <see cref="PrepareAsync(RemediationRequest, CancellationToken)"/>; <paramref name="tagged"/> is called once the move is on the volume's tags (from then on the tag-based triggers and sweep resume it).</summary>
    public Task<StepOutcome> PrepareAsync(RemediationRequest request, Action tagged, CancellationToken cancellationToken) =>
        _preparation.PrepareAsync(request, tagged, cancellationToken);

    /// <summary>EC2 state change of an instance (terminated, stopped, running...): resumes the moves it is the source or the target of.</summary>
    public async Task<IReadOnlyList<VolumeMoveResult>> OnInstanceStateChangeAsync(string instanceId, string state, CancellationToken cancellationToken)
    {
        _logger.LogInformation("Instance {InstanceId} is {State}: resuming its volume moves", instanceId, state);
        var volumeIds = new List<string>();
        foreach (string key in new[] { VolumeTags.SourceInstance, VolumeTags.TargetInstance })
        {
            IReadOnlyList<VolumeInfo> volumes = await _ec2.DescribeVolumesAsync(
                new VolumeFilter { Tags = new Dictionary<string, IReadOnlyList<string>> { [key] = [instanceId], [VolumeTags.Status] = VolumeTags.Statuses.Open } },
                cancellationToken);
            volumeIds.AddRange(volumes.Select(v => v.VolumeId).Where(id => !volumeIds.Contains(id)));
        }

        return await AdvanceEachAsync(volumeIds, null, null, cancellationToken);
    }

    /// <summary>"EC2 Instance Launch Successful" of a group: the new instance may take a pending volume of the group in its AZ.</summary>
    public async Task<IReadOnlyList<VolumeMoveResult>> OnInstanceLaunchedAsync(string groupName, string instanceId, CancellationToken cancellationToken)
    {
        InstanceFacts? launched = await _ec2.DescribeInstanceAsync(instanceId, cancellationToken);
        if (launched is null)
        {
            return [];
        }

        IReadOnlyList<VolumeInfo> volumes = await _ec2.DescribeVolumesAsync(
            new VolumeFilter { Tags = new Dictionary<string, IReadOnlyList<string>> { [VolumeTags.Group] = [groupName], [VolumeTags.Status] = VolumeTags.Statuses.Open } },
            cancellationToken);
        List<string> volumeIds = volumes
            .Where(v => v.AvailabilityZone == launched.AvailabilityZone || VolumeMigration.FromVolume(v)?.Successor == instanceId)
            .Select(v => v.VolumeId)
            .ToList();
        return await AdvanceEachAsync(volumeIds, null, instanceId, cancellationToken);
    }

    /// <summary>The replace step recorded <paramref name="successorInstanceId"/> for an interrupted instance: remember it on its volumes and resume.</summary>
    public async Task<IReadOnlyList<VolumeMoveResult>> OnSuccessorRecordedAsync(string interruptedInstanceId, string successorInstanceId, CancellationToken cancellationToken)
    {
        IReadOnlyList<VolumeInfo> volumes = await _ec2.DescribeVolumesAsync(
            new VolumeFilter { Tags = new Dictionary<string, IReadOnlyList<string>> { [VolumeTags.SourceInstance] = [interruptedInstanceId], [VolumeTags.Status] = VolumeTags.Statuses.Open } },
            cancellationToken);
        foreach (VolumeInfo volume in volumes)
        {
            await _tags.RecordAsync(volume.VolumeId, VolumeTags.Successor, successorInstanceId, cancellationToken);
        }

        return await AdvanceEachAsync(volumes.Select(v => v.VolumeId).ToList(), successorInstanceId, null, cancellationToken);
    }

    /// <summary>The scheduled sweep: resumes every open move (events may have been lost) and reports those still pending.</summary>
    public async Task<VolumeSweepReport> SweepAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<VolumeInfo> open = await _ec2.DescribeVolumesAsync(
            new VolumeFilter { Tags = new Dictionary<string, IReadOnlyList<string>> { [VolumeTags.Status] = VolumeTags.Statuses.Open } },
            cancellationToken);
        IReadOnlyList<VolumeMoveResult> results = await AdvanceEachAsync(open.Select(v => v.VolumeId).ToList(), null, null, cancellationToken);

        var pending = new List<PendingVolume>();
        DateTimeOffset now = _clock.GetUtcNow();
        foreach (VolumeMoveResult result in results.Where(r => r.Outcome.Status != StepStatus.Done))
        {
            VolumeInfo volume = open.First(v => v.VolumeId == result.VolumeId);
            VolumeMigration? migration = VolumeMigration.FromVolume(volume);
            pending.Add(new PendingVolume(
                volume.VolumeId,
                migration?.GroupName ?? "",
                volume.AvailabilityZone,
                migration?.Status ?? "",
                migration?.InterruptionTime is { } at ? now - at : null,
                result.Outcome.Reason));
        }

        foreach (IGrouping<string, PendingVolume> group in pending.GroupBy(p => p.GroupName))
        {
            _metrics.Record("PersistentVolumesPending", group.Count(), MetricUnit.Count, new Dictionary<string, string> { ["Group"] = group.Key });
        }

        _metrics.Record("PersistentVolumesPending", pending.Count, MetricUnit.Count);
        var report = new VolumeSweepReport { Results = results, StillPending = pending };
        _metrics.Record("PersistentVolumeMovesCompleted", report.Completed, MetricUnit.Count);
        foreach (PendingVolume volume in pending)
        {
            _logger.LogWarning(
                "Persistent volume {VolumeId} of group {Group} in {Zone} is still {Status} after {Age}: {Reason}",
                volume.VolumeId, volume.GroupName, volume.AvailabilityZone, volume.Status, volume.Age, volume.Reason);
        }

        return report;
    }

    /// <summary>
    /// Resumes one move from its tags and takes it as far as it can go now.
    /// <paramref name="recordedSuccessor"/> is the replace step's successor when the caller knows it;
    /// <paramref name="launchedInstance"/> an instance just launched into the group (a candidate, not an order).
    /// </summary>
    public Task<VolumeMoveResult> AdvanceAsync(string volumeId, string? recordedSuccessor, string? launchedInstance, CancellationToken cancellationToken) =>
        _moves.AdvanceAsync(volumeId, recordedSuccessor, launchedInstance, cancellationToken);

    private Task<IReadOnlyList<VolumeMoveResult>> AdvanceEachAsync(IReadOnlyList<string> volumeIds, string? recordedSuccessor, string? launchedInstance, CancellationToken cancellationToken) =>
        _moves.AdvanceEachAsync(volumeIds, recordedSuccessor, launchedInstance, cancellationToken);
}
