using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Core.Steps.Volume;

/// <summary>
/// The successor policy of a volume move: the instance the replace step recorded (or an earlier trigger claimed), else
/// the newest running group instance in the volume's zone that was launched at or after the source left (the move's
/// interruption time); and why any other candidate is rejected.
/// </summary>
internal sealed class SuccessorChooser(IVolumeApi ec2, IAutoScalingApi? autoScaling, ISuccessorLookup? successors)
{
    private static readonly string[] s_pendingLifecycleStates = ["InService", "Pending", "Pending:Wait", "Pending:Proceed"];

    public async Task<SuccessorChoice> ChooseAsync(VolumeInfo volume, VolumeMigration migration, string? recordedSuccessor, string? launchedInstance, CancellationToken cancellationToken)
    {
        var rejections = new List<SuccessorRejection>();
        bool needsOperator = false;
        IReadOnlyList<AutoScalingInstanceInfo>? members = await GroupMembersAsync(migration.GroupName, cancellationToken);

        string? recorded = recordedSuccessor ?? migration.Successor;
        if (recorded is null && successors is not null)
        {
            recorded = await successors.FindSuccessorAsync(migration.GroupName, migration.SourceInstanceId, cancellationToken);
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
            InstanceFacts? candidate = await ec2.DescribeInstanceAsync(candidateId, cancellationToken);
            if (candidate is null)
            {
                rejections.Add(new SuccessorRejection(SuccessorRejectionKind.NotFound, $"{candidateId} not found"));
                continue;
            }

            SuccessorRejection? why = await RejectAsync(candidate, volume, migration, members, allowPendingLifecycle: true, cancellationToken);
            if (why is null && candidate.AvailabilityZone != volume.AvailabilityZone && migration.CrossAz == CrossAzPolicy.Wait)
            {
                why = new SuccessorRejection(
                    SuccessorRejectionKind.OtherZone,
                    $"{candidateId} is in {candidate.AvailabilityZone}, the volume in {volume.AvailabilityZone}, and persistence_cross_az is wait");
            }

            if (why is null)
            {
                return new SuccessorChoice(candidate, rejections, false, members);
            }

            needsOperator |= why.NeedsOperator;
            rejections.Add(why);
        }

        // The fallback must prove it came after the hand-over: on a scale-in the group launches nobody, and the members that
        // ran all along (each with its own data volume) are not the source's replacement. Without the interruption time
        // (every move MaxGroup tags has it) nothing can be proved: only a recorded successor takes the volume.
        if (migration.InterruptionTime is not { } leftAt)
        {
            rejections.Add(new SuccessorRejection(
                SuccessorRejectionKind.LaunchedBeforeHandover,
                $"the move of {volume.VolumeId} records no {VolumeTags.InterruptionTime}, so no group instance can be shown to have been launched after {migration.SourceInstanceId} left; only a recorded successor ({VolumeTags.Successor}) takes it"));
            return new SuccessorChoice(null, rejections, needsOperator, members);
        }

        // The fallback: the newest running instance of the group in the volume's AZ (the launched one first).
        var fallback = new List<InstanceFacts>();
        if (launchedInstance is not null && !explicitCandidates.Contains(launchedInstance))
        {
            InstanceFacts? launched = await ec2.DescribeInstanceAsync(launchedInstance, cancellationToken);
            if (launched is not null && launched.AvailabilityZone == volume.AvailabilityZone)
            {
                fallback.Add(launched);
            }
        }

        IReadOnlyList<InstanceFacts> inZone = await ec2.DescribeGroupInstancesAsync(migration.GroupName, volume.AvailabilityZone, cancellationToken);
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
                    && await ec2.DescribeInstanceAsync(member.InstanceId, cancellationToken) is { } facts)
                {
                    fallback.Add(facts);
                }
            }
        }

        foreach (InstanceFacts candidate in fallback)
        {
            bool isLaunched = candidate.InstanceId == launchedInstance;
            // The launched instance too: a launch event says it joined the group, not that it replaces this source (a late
            // or redelivered event, a scale-out just before a scale-in). The replace step's own successors are recorded.
            SuccessorRejection? why = LaunchedBefore(candidate, migration, leftAt)
                ?? await RejectAsync(candidate, volume, migration, members, allowPendingLifecycle: isLaunched, cancellationToken);
            if (why is null)
            {
                return new SuccessorChoice(candidate, rejections, false, members);
            }

            // Busy group members are the normal case here, not an error: only the explicit successor's device counts.
            rejections.Add(why);
        }

        return new SuccessorChoice(null, rejections, needsOperator, members);
    }

    /// <summary>
    /// The check again after the claim, on a fresh look at the target: it may have been taken by another volume in the
    /// meantime. A cross-zone move passes its copy in <paramref name="migration"/>: the target may already hold it.
    /// </summary>
    public async Task<SuccessorRejection?> RecheckAfterClaimAsync(InstanceFacts target, VolumeInfo volume, VolumeMigration migration, IReadOnlyList<AutoScalingInstanceInfo>? members, CancellationToken cancellationToken)
    {
        InstanceFacts? fresh = await ec2.DescribeInstanceAsync(target.InstanceId, cancellationToken);
        return fresh is null
            ? new SuccessorRejection(SuccessorRejectionKind.NotFound, $"{target.InstanceId} vanished")
            : await RejectAsync(fresh, volume, migration, members, allowPendingLifecycle: true, cancellationToken, afterClaim: true);
    }

    /// <summary>
    /// Why a fallback <paramref name="candidate"/> is not the source's replacement: launched before the source left at
    /// <paramref name="leftAt"/>, or with no launch time to tell. Both times are whole seconds in EC2, so "at" counts as after.
    /// </summary>
    private static SuccessorRejection? LaunchedBefore(InstanceFacts candidate, VolumeMigration migration, DateTimeOffset leftAt)
    {
        if (candidate.LaunchTime is not { } launched)
        {
            return new SuccessorRejection(
                SuccessorRejectionKind.LaunchedBeforeHandover,
                $"{candidate.InstanceId} has no launch time, so it cannot be shown to have been launched after {migration.SourceInstanceId} left at {VolumeMigration.FormatTime(leftAt)}");
        }

        return launched < leftAt
            ? new SuccessorRejection(
                SuccessorRejectionKind.LaunchedBeforeHandover,
                $"{candidate.InstanceId} was launched at {VolumeMigration.FormatTime(launched)}, before {migration.SourceInstanceId} left at {VolumeMigration.FormatTime(leftAt)}: a member that ran all along, not its replacement")
            : null;
    }

    /// <summary>Why <paramref name="candidate"/> cannot take the volume, or null when it can.</summary>
    private async Task<SuccessorRejection?> RejectAsync(InstanceFacts candidate, VolumeInfo volume, VolumeMigration migration, IReadOnlyList<AutoScalingInstanceInfo>? members, bool allowPendingLifecycle, CancellationToken cancellationToken, bool afterClaim = false)
    {
        string id = candidate.InstanceId;
        if (id == migration.SourceInstanceId)
        {
            return new SuccessorRejection(SuccessorRejectionKind.IsSource, $"{id} is the interrupted instance itself");
        }

        if (candidate.State != "running")
        {
            return new SuccessorRejection(SuccessorRejectionKind.NotRunning, $"{id} is {candidate.State}, not running");
        }

        if (members is not null)
        {
            AutoScalingInstanceInfo? member = members.FirstOrDefault(m => m.InstanceId == id);
            string[] accepted = allowPendingLifecycle ? s_pendingLifecycleStates : ["InService"];
            if (member is null)
            {
                return new SuccessorRejection(SuccessorRejectionKind.NotInGroup, $"{id} is not in group {migration.GroupName}");
            }

            if (!accepted.Contains(member.LifecycleState))
            {
                return new SuccessorRejection(SuccessorRejectionKind.LifecycleState, $"{id} is {member.LifecycleState} in {migration.GroupName}");
            }
        }
        else if (candidate.GroupName != migration.GroupName)
        {
            return new SuccessorRejection(SuccessorRejectionKind.NotInGroup, $"{id} is not in group {migration.GroupName}");
        }

        string? ours = migration.CopyVolumeId;
        BlockDeviceFact? occupant = candidate.BlockDevices.FirstOrDefault(b => DeviceNames.Same(b.DeviceName, migration.AttachAs));
        if (occupant is not null && occupant.VolumeId != volume.VolumeId && occupant.VolumeId != ours)
        {
            return new SuccessorRejection(SuccessorRejectionKind.DeviceInUse, $"device {migration.AttachAs} is already in use on {id} by {occupant.VolumeId}");
        }

        // One migrated volume per successor: anything else already attached to it or claimed for it wins.
        IReadOnlyList<VolumeInfo> held = await ec2.DescribeVolumesAsync(
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
            return new SuccessorRejection(SuccessorRejectionKind.HoldsOtherVolume, $"{id} already holds (or is claimed by) migrated volume {other.VolumeId}");
        }

        return null;
    }

    private async Task<IReadOnlyList<AutoScalingInstanceInfo>?> GroupMembersAsync(string groupName, CancellationToken cancellationToken)
    {
        if (autoScaling is null)
        {
            return null;
        }

        return (await autoScaling.DescribeGroupAsync(groupName, cancellationToken))?.Instances ?? [];
    }
}

/// <summary>
/// The chosen successor (null: none yet), every rejection on the way, whether one of them needs an operator (only an
/// explicit successor's rejection counts), and the group's members as read for the choice (null without Auto Scaling).
/// </summary>
internal sealed record SuccessorChoice(
    InstanceFacts? Target,
    IReadOnlyList<SuccessorRejection> Rejections,
    bool NeedsOperator,
    IReadOnlyList<AutoScalingInstanceInfo>? Members);
