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
public sealed class VolumeMover
{
    private static readonly string[] s_pendingLifecycleStates = ["InService", "Pending", "Pending:Wait", "Pending:Proceed"];

    private readonly IVolumeApi _ec2;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly IMetrics _metrics;
    private readonly IAutoScalingApi? _autoScaling;
    private readonly ISuccessorLookup? _successors;
    private readonly VolumeMoverOptions _options;

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
        _autoScaling = autoScaling;
        _successors = successors;
        _options = options ?? new VolumeMoverOptions();
    }

    /// <summary>
    /// The interruption warning: at once turn DeleteOnTermination off for the data volume and tag it with the move,
    /// then try once to complete it (it usually waits for the instance to go).
    /// </summary>
    public async Task<StepOutcome> PrepareAsync(RemediationRequest request, CancellationToken cancellationToken)
    {
        GroupConfig config = request.Config;
        InstanceFacts instance = request.Instance;
        if (config.PersistenceDev is null)
        {
            return StepOutcome.NoOp("persistence_dev is not set for this group");
        }

        string groupName = !string.IsNullOrEmpty(config.GroupName) ? config.GroupName : instance.GroupName ?? "";
        BlockDeviceFact? device = FindDataVolume(instance.BlockDevices, config);
        if (device is null)
        {
            // The facts may predate an attach; one fresh look before declaring the device missing.
            InstanceFacts? fresh = await _ec2.DescribeInstanceAsync(instance.InstanceId, cancellationToken);
            device = fresh is null ? null : FindDataVolume(fresh.BlockDevices, config);
        }

        // A resumed hand-over whose instance has gone: the volume the dispatcher kept and recorded.
        device ??= await RecordedDataVolumeAsync(request.DataVolumeId, config, instance.InstanceId, cancellationToken);

        if (device is null)
        {
            return StepOutcome.Failed(
                $"no EBS volume is attached at {config.PersistenceDev} on {instance.InstanceId}: nothing to move (check persistence_dev and the launch template)",
                new Dictionary<string, string> { ["instance"] = instance.InstanceId, ["persistence_dev"] = config.PersistenceDev });
        }

        var details = new Dictionary<string, string>
        {
            ["volume"] = device.VolumeId,
            ["device"] = device.DeviceName,
            ["attach_as"] = config.PersistenceAttachAs,
            ["cross_az"] = config.PersistenceCrossAz == CrossAzPolicy.Wait ? "wait" : "snapshot",
        };
        if (request.SuccessorInstanceId is not null)
        {
            details["successor"] = request.SuccessorInstanceId;
        }

        if (request.DryRun || config.DryRun)
        {
            _logger.LogInformation(
                "Dry run: would set DeleteOnTermination=false on {VolumeId} ({Device}) of {InstanceId}, tag it {Status} and move it to the successor as {AttachAs}",
                device.VolumeId, device.DeviceName, instance.InstanceId, VolumeTags.Statuses.Pending, config.PersistenceAttachAs);
            return new StepOutcome
            {
                Status = StepStatus.NoOp,
                Reason = $"dry run: would keep {device.VolumeId} (DeleteOnTermination=false) and move it to the successor as {config.PersistenceAttachAs}",
                Details = details,
            };
        }

        // First, before anything else can use up the two minutes: the volume must survive the termination.
        // Always set (the facts may be seconds old) and always read back.
        RemoteApiException? modifyError = null;
        try
        {
            await _ec2.SetDeleteOnTerminationAsync(instance.InstanceId, device.DeviceName, false, cancellationToken);
        }
        catch (RemoteApiException ex)
        {
            // A late or duplicate warning may find the instance already gone; the read-back decides.
            modifyError = ex;
        }

        InstanceFacts? after = await _ec2.DescribeInstanceAsync(instance.InstanceId, cancellationToken);
        BlockDeviceFact? check = after?.BlockDevices.FirstOrDefault(b => b.VolumeId == device.VolumeId);
        if (check is null)
        {
            VolumeInfo? survivor = await DescribeVolumeAsync(device.VolumeId, cancellationToken);
            if (survivor is null || survivor.State is "deleting" or "deleted")
            {
                return StepOutcome.Failed($"{device.VolumeId} is gone: the instance was reclaimed before DeleteOnTermination could be turned off ({modifyError?.Message ?? "no error"})", details);
            }
        }
        else if (check.DeleteOnTermination)
        {
            return StepOutcome.Failed($"DeleteOnTermination of {device.VolumeId} is still true after ModifyInstanceAttribute ({modifyError?.Message ?? "no error"})", details);
        }

        await TagForMoveAsync(request, groupName, device, cancellationToken);
        _logger.LogInformation("Has persistence volume. {VolumeId} kept (DeleteOnTermination=false) and tagged {Status}", device.VolumeId, VolumeTags.Statuses.Pending);

        // One look now: a late warning may find the instance already gone and the successor running.
        VolumeMoveResult result = await AdvanceAsync(device.VolumeId, request.SuccessorInstanceId, null, cancellationToken);
        var merged = new Dictionary<string, string>(details);
        foreach (KeyValuePair<string, string> pair in result.Outcome.Details)
        {
            merged[pair.Key] = pair.Value;
        }

        return result.Outcome.Status switch
        {
            StepStatus.Done or StepStatus.Failed => result.Outcome with { Details = merged },
            _ => StepOutcome.Waiting($"{device.VolumeId} kept (DeleteOnTermination=false), move pending: {result.Outcome.Reason}", merged),
        };
    }

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
            await _ec2.CreateTagsAsync(volume.VolumeId, new Dictionary<string, string> { [VolumeTags.Successor] = successorInstanceId }, cancellationToken);
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
    public async Task<VolumeMoveResult> AdvanceAsync(string volumeId, string? recordedSuccessor, string? launchedInstance, CancellationToken cancellationToken)
    {
        VolumeInfo? volume;
        try
        {
            volume = await DescribeVolumeAsync(volumeId, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new VolumeMoveResult(volumeId, null, StepOutcome.Waiting("out of time in this invocation; the next trigger or the sweep resumes the move"));
        }

        if (volume is null)
        {
            return new VolumeMoveResult(volumeId, null, StepOutcome.Failed($"volume {volumeId} not found"));
        }

        VolumeMigration? migration = VolumeMigration.FromVolume(volume);
        if (migration is null)
        {
            return new VolumeMoveResult(volumeId, null, StepOutcome.NoOp($"{volumeId} carries no MaxGroup move"));
        }

        try
        {
            StepOutcome outcome = await AdvanceCoreAsync(volume, migration, recordedSuccessor, launchedInstance, cancellationToken);
            if (outcome.Status == StepStatus.Failed)
            {
                await TryTagAsync(volumeId, new Dictionary<string, string> { [VolumeTags.LastError] = Truncate(outcome.Reason ?? "failed") }, cancellationToken);
            }

            return new VolumeMoveResult(volumeId, migration.GroupName, outcome) { SourceInstanceId = migration.SourceInstanceId };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new VolumeMoveResult(volumeId, migration.GroupName, StepOutcome.Waiting("out of time in this invocation; the next trigger or the sweep resumes the move")) { SourceInstanceId = migration.SourceInstanceId };
        }
        catch (RemoteApiException ex)
        {
            _logger.LogError(ex, "Volume move of {VolumeId} stopped on an EC2 error", volumeId);
            await TryTagAsync(volumeId, new Dictionary<string, string> { [VolumeTags.LastError] = Truncate(ex.ErrorCode + ": " + ex.Message) }, cancellationToken);
            return new VolumeMoveResult(volumeId, migration.GroupName, StepOutcome.Failed($"{ex.ErrorCode}: {ex.Message}; the move stays open and resumes on the next trigger")) { SourceInstanceId = migration.SourceInstanceId };
        }
    }

    private async Task<IReadOnlyList<VolumeMoveResult>> AdvanceEachAsync(IReadOnlyList<string> volumeIds, string? recordedSuccessor, string? launchedInstance, CancellationToken cancellationToken)
    {
        var results = new List<VolumeMoveResult>();
        foreach (string volumeId in volumeIds)
        {
            results.Add(await AdvanceAsync(volumeId, recordedSuccessor, launchedInstance, cancellationToken));
        }

        return results;
    }

    private async Task<StepOutcome> AdvanceCoreAsync(VolumeInfo volume, VolumeMigration migration, string? recordedSuccessor, string? launchedInstance, CancellationToken cancellationToken)
    {
        var details = new Dictionary<string, string> { ["volume"] = volume.VolumeId, ["status"] = migration.Status };
        switch (migration.Status)
        {
            case VolumeTags.Statuses.SourceKept:
                details["copy_volume"] = migration.CopyVolumeId ?? "";
                return StepOutcome.Done($"{volume.VolumeId} was copied to {migration.CopyVolumeId} for {migration.TargetInstance}; the original is kept", details);
            case VolumeTags.Statuses.Attached:
                if (volume.State != "available")
                {
                    details["successor"] = migration.TargetInstance ?? "";
                    return StepOutcome.Done($"{volume.VolumeId} is attached to {migration.TargetInstance} as {migration.AttachAs}", details);
                }

                // Marked attached but free again: the attach did not hold. Reopen rather than lose track of it.
                await _ec2.CreateTagsAsync(volume.VolumeId, StatusTags(VolumeTags.Statuses.Pending, "", ""), cancellationToken);
                migration = migration with { Status = VolumeTags.Statuses.Pending, TargetInstance = null, Claim = null };
                break;
        }

        // 1. The volume must be free: released by the terminated instance, or detached from the stopped one.
        VolumeAttachmentInfo? attachment = volume.Attachments.FirstOrDefault();
        if (volume.State == "in-use" && attachment is not null)
        {
            if (attachment.InstanceId == migration.TargetInstance && DeviceNames.Same(attachment.Device, migration.AttachAs))
            {
                await _ec2.CreateTagsAsync(volume.VolumeId, StatusTags(VolumeTags.Statuses.Attached, migration.TargetInstance, migration.Claim ?? ""), cancellationToken);
                details["successor"] = attachment.InstanceId;
                return StepOutcome.Done($"{volume.VolumeId} is attached to {attachment.InstanceId} as {migration.AttachAs}", details);
            }

            if (attachment.InstanceId != migration.SourceInstanceId && DeviceNames.Same(attachment.Device, migration.AttachAs)
                && await _ec2.DescribeInstanceAsync(attachment.InstanceId, cancellationToken) is { } holder && holder.GroupName == migration.GroupName)
            {
                // Two racing triggers (tags are eventually consistent): the other one's attach won. Adopt it.
                await _ec2.CreateTagsAsync(volume.VolumeId, StatusTags(VolumeTags.Statuses.Attached, attachment.InstanceId, ""), cancellationToken);
                details["successor"] = attachment.InstanceId;
                return StepOutcome.Done($"{volume.VolumeId} is attached to {attachment.InstanceId} as {migration.AttachAs}", details);
            }

            if (attachment.InstanceId != migration.SourceInstanceId)
            {
                return StepOutcome.Failed($"{volume.VolumeId} is attached to {attachment.InstanceId}, which is neither its source {migration.SourceInstanceId} nor a successor MaxGroup chose; left alone", details);
            }

            VolumeInfo? released = await ReleaseFromSourceAsync(volume, migration, attachment, cancellationToken);
            if (released is null || released.State != "available")
            {
                InstanceFacts? source = await _ec2.DescribeInstanceAsync(migration.SourceInstanceId, cancellationToken);
                return StepOutcome.Waiting($"{volume.VolumeId} is still attached to {migration.SourceInstanceId} ({source?.State ?? "unknown"}); waiting for it to be released", details);
            }

            volume = released;
        }
        else if (volume.State != "available")
        {
            return StepOutcome.Waiting($"{volume.VolumeId} is {volume.State}", details);
        }

        // 2. A successor: recorded by the replace step, else a running group instance in the volume's AZ.
        SuccessorChoice choice = await ChooseSuccessorAsync(volume, migration, recordedSuccessor, launchedInstance, cancellationToken);
        if (choice.Target is null)
        {
            string reason = choice.Rejections.Count == 0
                ? $"no running instance of {migration.GroupName} in {volume.AvailabilityZone} yet; the next instance launched there takes it"
                : "no successor yet: " + string.Join("; ", choice.Rejections);
            return choice.DeviceInUse ? StepOutcome.Failed(reason, details) : StepOutcome.Waiting(reason, details);
        }

        details["successor"] = choice.Target.InstanceId;
        return choice.Target.AvailabilityZone == volume.AvailabilityZone
            ? await AttachSameZoneAsync(volume, migration, choice.Target, choice.Members, details, cancellationToken)
            : await CopyAcrossZonesAsync(volume, migration, choice.Target, choice.Members, details, cancellationToken);
    }

    private async Task<VolumeInfo?> ReleaseFromSourceAsync(VolumeInfo volume, VolumeMigration migration, VolumeAttachmentInfo attachment, CancellationToken cancellationToken)
    {
        InstanceFacts? source = await _ec2.DescribeInstanceAsync(migration.SourceInstanceId, cancellationToken);
        if (source is not null && source.State == "stopped" && attachment.State == "attached")
        {
            // A stopped (or hibernated) instance keeps its volumes; detach it, never with Force: the file system
            // was cleanly unmounted by the stop, and Force risks the very data this step exists to keep.
            _logger.LogInformation("Detaching {VolumeId} from stopped {InstanceId}", volume.VolumeId, source.InstanceId);
            await _ec2.DetachVolumeAsync(volume.VolumeId, source.InstanceId, cancellationToken);
        }
        else if (source is not null && source.State != "stopped" && !source.IsGone)
        {
            return volume;
        }

        return await WaitForVolumeAsync(volume.VolumeId, v => v.State == "available", cancellationToken);
    }

    private async Task<SuccessorChoice> ChooseSuccessorAsync(VolumeInfo volume, VolumeMigration migration, string? recordedSuccessor, string? launchedInstance, CancellationToken cancellationToken)
    {
        var rejections = new List<string>();
        bool deviceInUse = false;
        IReadOnlyList<AutoScalingInstanceInfo>? members = await GroupMembersAsync(migration.GroupName, cancellationToken);

        string? recorded = recordedSuccessor ?? migration.Successor;
        if (recorded is null && _successors is not null)
        {
            recorded = await _successors.FindSuccessorAsync(migration.GroupName, migration.SourceInstanceId, cancellationToken);
        }

        // A claim from an interrupted earlier trigger is honoured first, so two triggers converge on one target.
        var explicitCandidates = new List<string>();
        if (migration.TargetInstance is not null && migration.Status is VolumeTags.Statuses.Attaching or VolumeTags.Statuses.Copying)
        {
            explicitCandidates.Add(migration.TargetInstance);
        }

        if (recorded is not null && !explicitCandidates.Contains(recorded))
        {
            explicitCandidates.Add(recorded);
        }

        foreach (string candidateId in explicitCandidates)
        {
            InstanceFacts? candidate = await _ec2.DescribeInstanceAsync(candidateId, cancellationToken);
            if (candidate is null)
            {
                rejections.Add($"{candidateId} not found");
                continue;
            }

            string? why = await RejectAsync(candidate, volume, migration, members, allowPendingLifecycle: true, cancellationToken);
            if (why is null && candidate.AvailabilityZone != volume.AvailabilityZone && migration.CrossAz == CrossAzPolicy.Wait)
            {
                why = $"{candidateId} is in {candidate.AvailabilityZone}, the volume in {volume.AvailabilityZone}, and persistence_cross_az is wait";
            }

            if (why is null)
            {
                return new SuccessorChoice(candidate, rejections, false, members);
            }

            deviceInUse |= why.Contains("already in use", StringComparison.Ordinal);
            rejections.Add(why);
        }

        // The fallback: the newest running instance of the group in the volume's AZ (the launched one first).
        var fallback = new List<InstanceFacts>();
        if (launchedInstance is not null && !explicitCandidates.Contains(launchedInstance))
        {
            InstanceFacts? launched = await _ec2.DescribeInstanceAsync(launchedInstance, cancellationToken);
            if (launched is not null && launched.AvailabilityZone == volume.AvailabilityZone)
            {
                fallback.Add(launched);
            }
        }

        IReadOnlyList<InstanceFacts> inZone = await _ec2.DescribeGroupInstancesAsync(migration.GroupName, volume.AvailabilityZone, cancellationToken);
        fallback.AddRange(inZone
            .Where(i => !explicitCandidates.Contains(i.InstanceId) && i.InstanceId != launchedInstance)
            .OrderByDescending(i => i.LaunchTime ?? DateTimeOffset.MinValue)
            .ThenByDescending(i => i.InstanceId, StringComparer.Ordinal));
        if (members is not null)
        {
            // Instances the group lists in the zone but that lack the tag (just attached) count as well.
            foreach (AutoScalingInstanceInfo member in members.Where(m => m.AvailabilityZone == volume.AvailabilityZone && m.LifecycleState == "InService"))
            {
                if (!explicitCandidates.Contains(member.InstanceId) && fallback.All(f => f.InstanceId != member.InstanceId)
                    && await _ec2.DescribeInstanceAsync(member.InstanceId, cancellationToken) is { } facts)
                {
                    fallback.Add(facts);
                }
            }
        }

        foreach (InstanceFacts candidate in fallback)
        {
            bool isLaunched = candidate.InstanceId == launchedInstance;
            string? why = await RejectAsync(candidate, volume, migration, members, allowPendingLifecycle: isLaunched, cancellationToken);
            if (why is null)
            {
                return new SuccessorChoice(candidate, rejections, false, members);
            }

            // Busy group members are the normal case here, not an error: only the explicit successor's device counts.
            rejections.Add(why);
        }

        return new SuccessorChoice(null, rejections, deviceInUse, members);
    }

    /// <summary>Why <paramref name="candidate"/> cannot take the volume, or null when it can.</summary>
    private async Task<string?> RejectAsync(InstanceFacts candidate, VolumeInfo volume, VolumeMigration migration, IReadOnlyList<AutoScalingInstanceInfo>? members, bool allowPendingLifecycle, CancellationToken cancellationToken, bool afterClaim = false)
    {
        string id = candidate.InstanceId;
        if (id == migration.SourceInstanceId)
        {
            return $"{id} is the interrupted instance itself";
        }

        if (candidate.State != "running")
        {
            return $"{id} is {candidate.State}, not running";
        }

        if (members is not null)
        {
            AutoScalingInstanceInfo? member = members.FirstOrDefault(m => m.InstanceId == id);
            string[] accepted = allowPendingLifecycle ? s_pendingLifecycleStates : ["InService"];
            if (member is null || !accepted.Contains(member.LifecycleState))
            {
                return member is null ? $"{id} is not in group {migration.GroupName}" : $"{id} is {member.LifecycleState} in {migration.GroupName}";
            }
        }
        else if (candidate.GroupName != migration.GroupName)
        {
            return $"{id} is not in group {migration.GroupName}";
        }

        string? ours = migration.CopyVolumeId;
        BlockDeviceFact? occupant = candidate.BlockDevices.FirstOrDefault(b => DeviceNames.Same(b.DeviceName, migration.AttachAs));
        if (occupant is not null && occupant.VolumeId != volume.VolumeId && occupant.VolumeId != ours)
        {
            return $"device {migration.AttachAs} is already in use on {id} by {occupant.VolumeId}";
        }

        // One migrated volume per successor: anything else already attached to it or claimed for it wins.
        IReadOnlyList<VolumeInfo> held = await _ec2.DescribeVolumesAsync(
            new VolumeFilter { Tags = new Dictionary<string, IReadOnlyList<string>> { [VolumeTags.TargetInstance] = [id] } },
            cancellationToken);
        // After our own claim, two volumes that claimed the same instance at once settle it by volume id, so exactly one goes on.
        VolumeInfo? other = held.FirstOrDefault(v => v.VolumeId != volume.VolumeId && v.VolumeId != ours
            && v.Tags.TryGetValue(VolumeTags.Status, out string? s)
            && (s == VolumeTags.Statuses.Attached
                ? v.Attachments.Any(a => a.InstanceId == id)
                : s is VolumeTags.Statuses.Attaching or VolumeTags.Statuses.Copying
                    && (!afterClaim || string.CompareOrdinal(v.VolumeId, volume.VolumeId) < 0)));
        if (other is not null)
        {
            return $"{id} already holds (or is claimed by) migrated volume {other.VolumeId}";
        }

        return null;
    }

    private async Task<StepOutcome> AttachSameZoneAsync(VolumeInfo volume, VolumeMigration migration, InstanceFacts target, IReadOnlyList<AutoScalingInstanceInfo>? members, Dictionary<string, string> details, CancellationToken cancellationToken)
    {
        if (!await ClaimAsync(volume.VolumeId, VolumeTags.Statuses.Attaching, target.InstanceId, cancellationToken))
        {
            return StepOutcome.Waiting($"another trigger claimed {volume.VolumeId}; it completes the move", details);
        }

        // Re-check after the claim: the target may have been taken by another volume in the meantime.
        InstanceFacts? fresh = await _ec2.DescribeInstanceAsync(target.InstanceId, cancellationToken);
        string? why = fresh is null ? $"{target.InstanceId} vanished" : await RejectAsync(fresh, volume, migration, members, true, cancellationToken, afterClaim: true);
        if (why is not null)
        {
            await _ec2.CreateTagsAsync(volume.VolumeId, StatusTags(VolumeTags.Statuses.Pending, "", ""), cancellationToken);
            return why.Contains("already in use", StringComparison.Ordinal) ? StepOutcome.Failed(why, details) : StepOutcome.Waiting(why, details);
        }

        _logger.LogInformation("Attaching {VolumeId} to successor {InstanceId} as {Device}", volume.VolumeId, target.InstanceId, migration.AttachAs);
        try
        {
            await _ec2.AttachVolumeAsync(volume.VolumeId, target.InstanceId, migration.AttachAs, cancellationToken);
        }
        catch (RemoteApiException ex)
        {
            VolumeInfo? now = await DescribeVolumeAsync(volume.VolumeId, cancellationToken);
            if (now?.Attachments.Any(a => a.InstanceId == target.InstanceId) != true)
            {
                // Reopen only a volume that is still free: one attached elsewhere belongs to whoever attached it.
                if (now is { State: "available" })
                {
                    await _ec2.CreateTagsAsync(volume.VolumeId, StatusTags(VolumeTags.Statuses.Pending, "", ""), cancellationToken);
                }

                return StepOutcome.Failed($"AttachVolume of {volume.VolumeId} to {target.InstanceId} as {migration.AttachAs} failed: {ex.ErrorCode}: {ex.Message}", details);
            }
        }

        await _ec2.CreateTagsAsync(volume.VolumeId, StatusTags(VolumeTags.Statuses.Attached, target.InstanceId, null), cancellationToken);
        _logger.LogInformation("Persistent volume {VolumeId} moved to {InstanceId} as {Device}", volume.VolumeId, target.InstanceId, migration.AttachAs);
        return StepOutcome.Done($"{volume.VolumeId} attached to {target.InstanceId} as {migration.AttachAs}", details);
    }

    private async Task<StepOutcome> CopyAcrossZonesAsync(VolumeInfo volume, VolumeMigration migration, InstanceFacts target, IReadOnlyList<AutoScalingInstanceInfo>? members, Dictionary<string, string> details, CancellationToken cancellationToken)
    {
        if (migration.TargetInstance != target.InstanceId || migration.Status != VolumeTags.Statuses.Copying)
        {
            if (!await ClaimAsync(volume.VolumeId, VolumeTags.Statuses.Copying, target.InstanceId, cancellationToken))
            {
                return StepOutcome.Waiting($"another trigger claimed {volume.VolumeId}; it completes the copy", details);
            }
        }

        // The snapshot: recorded, else found by its tags (a trigger may have died after creating it), else made.
        string interruption = migration.InterruptionId ?? migration.SourceInstanceId;
        string? snapshotId = migration.SnapshotId;
        if (snapshotId is null)
        {
            IReadOnlyList<EbsSnapshotInfo> existing = await _ec2.DescribeSnapshotsAsync(
                new SnapshotFilter { Tags = new Dictionary<string, IReadOnlyList<string>> { [VolumeTags.SourceVolume] = [volume.VolumeId], [VolumeTags.InterruptionId] = [interruption] } },
                cancellationToken);
            snapshotId = existing.FirstOrDefault(s => s.State != "error")?.SnapshotId;
            if (snapshotId is null)
            {
                snapshotId = await _ec2.CreateSnapshotAsync(
                    volume.VolumeId,
                    $"MaxGroup: {volume.VolumeId} of {migration.SourceInstanceId} for {target.InstanceId} in {target.AvailabilityZone}",
                    new Dictionary<string, string>
                    {
                        [VolumeTags.Group] = migration.GroupName,
                        [VolumeTags.SourceVolume] = volume.VolumeId,
                        [VolumeTags.InterruptionId] = interruption,
                    },
                    cancellationToken);
                _logger.LogInformation("Snapshot {SnapshotId} of {VolumeId} started for a successor in {Zone}", snapshotId, volume.VolumeId, target.AvailabilityZone);
            }

            await _ec2.CreateTagsAsync(volume.VolumeId, new Dictionary<string, string> { [VolumeTags.Snapshot] = snapshotId }, cancellationToken);
        }

        details["snapshot"] = snapshotId;
        EbsSnapshotInfo? snapshot = await WaitForSnapshotAsync(snapshotId, cancellationToken);
        if (snapshot is null || snapshot.State == "error")
        {
            await _ec2.CreateTagsAsync(volume.VolumeId, new Dictionary<string, string> { [VolumeTags.Snapshot] = "" }, cancellationToken);
            return StepOutcome.Failed($"snapshot {snapshotId} of {volume.VolumeId} {(snapshot is null ? "vanished" : "failed")}; the next trigger takes a new one", details);
        }

        if (snapshot.State != "completed")
        {
            return StepOutcome.Waiting($"snapshot {snapshotId} is {snapshot.State} ({snapshot.Progress ?? "?"})", details);
        }

        // The copy: recorded, else found (same snapshot, same AZ), else created with the original's attributes and tags.
        string? copyId = migration.CopyVolumeId;
        if (copyId is null)
        {
            IReadOnlyList<VolumeInfo> copies = await _ec2.DescribeVolumesAsync(
                new VolumeFilter
                {
                    SnapshotId = snapshotId,
                    AvailabilityZone = target.AvailabilityZone,
                    Tags = new Dictionary<string, IReadOnlyList<string>> { [VolumeTags.SourceVolume] = [volume.VolumeId] },
                },
                cancellationToken);
            copyId = copies.FirstOrDefault()?.VolumeId ?? await _ec2.CreateVolumeAsync(CopySpec(volume, migration, snapshotId, target), cancellationToken);
            await _ec2.CreateTagsAsync(volume.VolumeId, new Dictionary<string, string> { [VolumeTags.CopyVolume] = copyId }, cancellationToken);
        }

        details["copy_volume"] = copyId;
        VolumeInfo? copy = await WaitForVolumeAsync(copyId, v => v.State != "creating", cancellationToken);
        if (copy is null)
        {
            return StepOutcome.Failed($"copy {copyId} of {volume.VolumeId} not found", details);
        }

        if (!copy.Attachments.Any(a => a.InstanceId == target.InstanceId))
        {
            if (copy.State != "available")
            {
                return StepOutcome.Waiting($"copy {copyId} is {copy.State}", details);
            }

            InstanceFacts? fresh = await _ec2.DescribeInstanceAsync(target.InstanceId, cancellationToken);
            string? why = fresh is null ? $"{target.InstanceId} vanished" : await RejectAsync(fresh, volume, migration with { CopyVolumeId = copyId }, members, true, cancellationToken, afterClaim: true);
            if (why is not null)
            {
                await _ec2.CreateTagsAsync(volume.VolumeId, StatusTags(VolumeTags.Statuses.Pending, "", ""), cancellationToken);
                return why.Contains("already in use", StringComparison.Ordinal) ? StepOutcome.Failed(why, details) : StepOutcome.Waiting(why, details);
            }

            await _ec2.AttachVolumeAsync(copyId, target.InstanceId, migration.AttachAs, cancellationToken);
        }

        // The copy becomes the live volume of the move; the original stays, tagged as its source, for the user to remove.
        var copyTags = new Dictionary<string, string>
        {
            [VolumeTags.Group] = migration.GroupName,
            [VolumeTags.SourceInstance] = migration.SourceInstanceId,
            [VolumeTags.AttachAs] = migration.AttachAs,
            [VolumeTags.SourceVolume] = volume.VolumeId,
            [VolumeTags.Status] = VolumeTags.Statuses.Attached,
            [VolumeTags.TargetInstance] = target.InstanceId,
            [VolumeTags.UpdatedAt] = VolumeMigration.FormatTime(_clock.GetUtcNow()),
        };
        await _ec2.CreateTagsAsync(copyId, copyTags, cancellationToken);
        await _ec2.CreateTagsAsync(volume.VolumeId, StatusTags(VolumeTags.Statuses.SourceKept, target.InstanceId, null), cancellationToken);
        _logger.LogInformation("Persistent volume {VolumeId} copied to {CopyId} in {Zone} and attached to {InstanceId} as {Device}; original kept",
            volume.VolumeId, copyId, target.AvailabilityZone, target.InstanceId, migration.AttachAs);
        return StepOutcome.Done($"{volume.VolumeId} copied to {copyId} in {target.AvailabilityZone} and attached to {target.InstanceId} as {migration.AttachAs}; original kept", details);
    }

    private static NewVolumeSpec CopySpec(VolumeInfo volume, VolumeMigration migration, string snapshotId, InstanceFacts target)
    {
        var tags = new Dictionary<string, string>();
        foreach (KeyValuePair<string, string> tag in volume.Tags)
        {
            // aws: tags are reserved; spotmax: tags describe the original's move, not the copy's.
            if (!tag.Key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase) && !tag.Key.StartsWith(VolumeTags.Prefix, StringComparison.Ordinal))
            {
                tags[tag.Key] = tag.Value;
            }
        }

        // No spotmax:status yet: the copy is not a move of its own until it is attached (the sweep must not pick it up).
        tags[VolumeTags.Group] = migration.GroupName;
        tags[VolumeTags.SourceVolume] = volume.VolumeId;
        tags[VolumeTags.TargetInstance] = target.InstanceId;
        return new NewVolumeSpec
        {
            AvailabilityZone = target.AvailabilityZone,
            SnapshotId = snapshotId,
            Size = volume.Size,
            VolumeType = volume.VolumeType,
            Iops = volume.Iops,
            Throughput = volume.Throughput,
            Encrypted = volume.Encrypted,
            KmsKeyId = volume.KmsKeyId,
            Tags = tags,
            ClientToken = $"maxgroup-{snapshotId}-{target.AvailabilityZone}",
        };
    }

    /// <summary>Writes a claim with a fresh token, reads it back, and owns the move only if the token is still ours.</summary>
    private async Task<bool> ClaimAsync(string volumeId, string status, string targetInstanceId, CancellationToken cancellationToken)
    {
        string token = Guid.NewGuid().ToString("N");
        await _ec2.CreateTagsAsync(volumeId, StatusTags(status, targetInstanceId, token), cancellationToken);
        VolumeInfo? back = await DescribeVolumeAsync(volumeId, cancellationToken);
        return back is not null && back.Tags.TryGetValue(VolumeTags.Claim, out string? seen) && seen == token;
    }

    private Dictionary<string, string> StatusTags(string status, string? targetInstanceId, string? claim)
    {
        var tags = new Dictionary<string, string>
        {
            [VolumeTags.Status] = status,
            [VolumeTags.UpdatedAt] = VolumeMigration.FormatTime(_clock.GetUtcNow()),
        };
        if (targetInstanceId is not null)
        {
            tags[VolumeTags.TargetInstance] = targetInstanceId;
        }

        if (claim is not null)
        {
            tags[VolumeTags.Claim] = claim;
        }

        if (status != VolumeTags.Statuses.Pending)
        {
            tags[VolumeTags.LastError] = "";
        }

        return tags;
    }

    private async Task TagForMoveAsync(RemediationRequest request, string groupName, BlockDeviceFact device, CancellationToken cancellationToken)
    {
        VolumeInfo? volume = await DescribeVolumeAsync(device.VolumeId, cancellationToken);
        VolumeMigration? existing = volume is null ? null : VolumeMigration.FromVolume(volume);
        if (existing is not null && existing.SourceInstanceId == request.Instance.InstanceId && existing.IsOpen)
        {
            // A duplicate (or the rebalance-then-warning pair): the move is recorded; only learn a new successor.
            if (request.SuccessorInstanceId is not null && existing.Successor != request.SuccessorInstanceId)
            {
                await _ec2.CreateTagsAsync(device.VolumeId, new Dictionary<string, string> { [VolumeTags.Successor] = request.SuccessorInstanceId }, cancellationToken);
            }

            return;
        }

        // A new move (perhaps of a volume that was moved before): every state tag is rewritten, stale ones emptied.
        var tags = new Dictionary<string, string>
        {
            [VolumeTags.Group] = groupName,
            [VolumeTags.Status] = VolumeTags.Statuses.Pending,
            [VolumeTags.SourceInstance] = request.Instance.InstanceId,
            [VolumeTags.SourceDevice] = device.DeviceName,
            [VolumeTags.AttachAs] = request.Config.PersistenceAttachAs,
            [VolumeTags.CrossAz] = request.Config.PersistenceCrossAz == CrossAzPolicy.Wait ? "wait" : "snapshot",
            [VolumeTags.InstanceAction] = request.InstanceAction,
            [VolumeTags.InterruptionId] = request.EventId,
            [VolumeTags.InterruptionTime] = VolumeMigration.FormatTime(request.WarningTime),
            [VolumeTags.ReclaimAt] = VolumeMigration.FormatTime(request.ReclaimAt),
            [VolumeTags.Successor] = request.SuccessorInstanceId ?? "",
            [VolumeTags.TargetInstance] = "",
            [VolumeTags.Claim] = "",
            [VolumeTags.Snapshot] = "",
            [VolumeTags.CopyVolume] = "",
            [VolumeTags.LastError] = "",
            [VolumeTags.UpdatedAt] = VolumeMigration.FormatTime(_clock.GetUtcNow()),
        };
        await _ec2.CreateTagsAsync(device.VolumeId, tags, cancellationToken);
    }

    private static BlockDeviceFact? FindDataVolume(IReadOnlyList<BlockDeviceFact> devices, GroupConfig config) => DataVolumeGuard.Find(devices, config);

    /// <summary>
    /// The volume the dispatcher kept before the begin (the ledger's volume id), as the device it was at: a resumed step
    /// whose instance is gone no longer sees it among the instance's block devices.
    /// </summary>
    private async Task<BlockDeviceFact?> RecordedDataVolumeAsync(string? volumeId, GroupConfig config, string instanceId, CancellationToken cancellationToken)
    {
        if (volumeId is null || await DescribeVolumeAsync(volumeId, cancellationToken) is not { } volume || volume.State is "deleting" or "deleted")
        {
            return null;
        }

        VolumeAttachmentInfo? attachment = volume.Attachments.FirstOrDefault(a => a.InstanceId == instanceId);
        string device = attachment?.Device
            ?? (volume.Tags.TryGetValue(VolumeTags.SourceDevice, out string? tagged) && tagged.Length > 0 ? tagged : config.PersistenceDev!);
        return new BlockDeviceFact(device, volume.VolumeId, DeleteOnTermination: false);
    }

    private async Task<IReadOnlyList<AutoScalingInstanceInfo>?> GroupMembersAsync(string groupName, CancellationToken cancellationToken)
    {
        if (_autoScaling is null)
        {
            return null;
        }

        IReadOnlyList<AutoScalingGroupInfo> groups = await _autoScaling.DescribeAutoScalingGroupsAsync([groupName], cancellationToken);
        return groups.FirstOrDefault(g => g.Name == groupName)?.Instances ?? [];
    }

    private async Task<VolumeInfo?> DescribeVolumeAsync(string volumeId, CancellationToken cancellationToken)
    {
        IReadOnlyList<VolumeInfo> found = await _ec2.DescribeVolumesAsync(new VolumeFilter { VolumeIds = [volumeId] }, cancellationToken);
        return found.FirstOrDefault(v => v.VolumeId == volumeId);
    }

    private async Task<VolumeInfo?> WaitForVolumeAsync(string volumeId, Func<VolumeInfo, bool> done, CancellationToken cancellationToken)
    {
        DateTimeOffset until = _clock.GetUtcNow() + _options.MaxWait;
        while (true)
        {
            VolumeInfo? volume = await DescribeVolumeAsync(volumeId, cancellationToken);
            if (volume is null || done(volume) || _clock.GetUtcNow() + _options.PollInterval > until)
            {
                return volume;
            }

            await Task.Delay(_options.PollInterval, _clock, cancellationToken);
        }
    }

    private async Task<EbsSnapshotInfo?> WaitForSnapshotAsync(string snapshotId, CancellationToken cancellationToken)
    {
        DateTimeOffset until = _clock.GetUtcNow() + _options.MaxWait;
        while (true)
        {
            IReadOnlyList<EbsSnapshotInfo> found = await _ec2.DescribeSnapshotsAsync(new SnapshotFilter { SnapshotIds = [snapshotId] }, cancellationToken);
            EbsSnapshotInfo? snapshot = found.FirstOrDefault();
            if (snapshot is null || snapshot.State != "pending" || _clock.GetUtcNow() + _options.PollInterval > until)
            {
                return snapshot;
            }

            await Task.Delay(_options.PollInterval, _clock, cancellationToken);
        }
    }

    private async Task TryTagAsync(string volumeId, Dictionary<string, string> tags, CancellationToken cancellationToken)
    {
        try
        {
            await _ec2.CreateTagsAsync(volumeId, tags, cancellationToken);
        }
        catch (RemoteApiException ex)
        {
            _logger.LogWarning(ex, "Could not record the last error on {VolumeId}", volumeId);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    // EC2 tag values hold at most 256 characters.
    private static string Truncate(string value) => value.Length <= 256 ? value : value[..256];

    private sealed record SuccessorChoice(InstanceFacts? Target, List<string> Rejections, bool DeviceInUse, IReadOnlyList<AutoScalingInstanceInfo>? Members);
}
