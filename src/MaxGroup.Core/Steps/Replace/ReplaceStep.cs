using System.Globalization;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Steps.Capacity;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Steps.Replace;

/// <summary>
/// Gets the group a successor for the interrupted instance and takes the doomed instance out, leaving desired
/// capacity where it was. detach: DetachInstances without decrement, the group launches the replacement.
/// launch (max_group's way): launch a successor in the same subnet at once, attach it, detach the doomed
/// instance with decrement after detaching_delay_seconds. Idempotent: a re-run reuses what an earlier run did.
/// </summary>
public sealed class ReplaceStep : IRemediationStep
{
    private const string MaxRaisedFrom = "replace.max_raised_from";
    private const string MaxRestored = "replace.max_restored";
    private const string DesiredBefore = "replace.desired_before";

    private readonly IAutoScalingApi _autoScaling;
    private readonly ISuccessorLauncher _launcher;
    private readonly IInstanceInventory _inventory;
    private readonly ILedger _ledger;
    private readonly TimeProvider _clock;
    private readonly IMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ReplaceOptions _options;

    public ReplaceStep(
        IAutoScalingApi autoScaling,
        ISuccessorLauncher launcher,
        IInstanceInventory inventory,
        ILedger ledger,
        TimeProvider clock,
        IMetrics metrics,
        ILogger logger,
        ReplaceOptions? options = null)
    {
        _autoScaling = autoScaling;
        _launcher = launcher;
        _inventory = inventory;
        _ledger = ledger;
        _clock = clock;
        _metrics = metrics;
        _logger = logger;
        _options = options ?? new ReplaceOptions();
    }

    public string Name => StepNames.Replace;

    /// <summary>A resume that starts after the reclaim time only finishes what a dead run left (see <see cref="FinishAfterReclaimAsync"/>).</summary>
    public bool EndsAtReclaim(RemediationRequest request) => request is not { Resume: true } || request.ReclaimAt > _clock.GetUtcNow();

    public async Task<StepOutcome> RunAsync(RemediationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var deadline = new ReclaimDeadline(request.WarningTime, request.ReclaimAt);
        if (deadline.HasPassed(_clock))
        {
            return request.Resume && !request.DryRun && request.Config.EffectiveStrategy == ReplacementStrategy.Launch
                ? await FinishAfterReclaimAsync(request, cancellationToken)
                : StepOutcome.Skipped($"reclaim time {request.ReclaimAt:O} has passed");
        }

        string? groupName = request.Instance.GroupName ?? (request.Config.GroupName.Length > 0 ? request.Config.GroupName : null);
        if (groupName is null)
        {
            return StepOutcome.NoOp("instance is in no Auto Scaling group");
        }

        // The dispatcher described the group a moment ago, in parallel with the config read: no second round trip.
        AutoScalingGroupInfo? group = request.Group is { } known && known.Name == groupName
            ? known
            : await DescribeGroupAsync(groupName, deadline, cancellationToken);
        if (group is null)
        {
            return StepOutcome.Failed($"Auto Scaling group {groupName} not found");
        }

        var details = new Dictionary<string, string>
        {
            ["strategy"] = request.Config.EffectiveStrategy == ReplacementStrategy.Launch ? "launch" : "detach",
        };
        if (group.CapacityRebalance)
        {
            _logger.LogWarning("Group {GroupName} has Capacity Rebalance on: AWS replaces interrupted instances itself and races MaxGroup", groupName);
            details["warning"] = "Capacity Rebalance is on: AWS replaces the instance itself and races MaxGroup; turn it off";
        }

        if (request.DryRun)
        {
            return DryRun(request, group, deadline, details);
        }

        return request.Config.EffectiveStrategy == ReplacementStrategy.Launch
            ? await LaunchStrategyAsync(request, group, deadline, details, cancellationToken)
            : await DetachStrategyAsync(request, group, deadline, details, cancellationToken);
    }

    private StepOutcome DryRun(RemediationRequest request, AutoScalingGroupInfo group, ReclaimDeadline deadline, Dictionary<string, string> details)
    {
        TimeSpan delay = DetachDelay(request, deadline);
        details["detach_delay_seconds"] = Seconds(delay);
        string plan;
        if (request.Config.EffectiveStrategy == ReplacementStrategy.Launch)
        {
            IReadOnlyList<LaunchCandidate> candidates = ReplacementPlanner.Candidates(request.Instance, group, request.Config);
            LaunchTemplateRef? template = ReplacementPlanner.Template(group, request.Instance);
            bool raiseMax = group.DesiredCapacity + 1 > group.MaxSize;
            details["candidates"] = string.Join(", ", candidates);
            details["launch_template"] = template is null ? "(none)" : $"{template.Id ?? template.Name} version {template.Version}";
            details["subnet"] = request.Instance.SubnetId ?? request.Instance.AvailabilityZone;
            details["tags"] = string.Join(", ", ReplacementPlanner.Tags(group, request.Instance.InstanceId).Select(t => $"{t.Key}={t.Value}"));
            details["raise_max_size"] = raiseMax ? $"{group.MaxSize} -> {group.MaxSize + 1}, restored after" : "no";
            plan = $"would launch a successor ({details["candidates"]}) in {details["subnet"]}, attach it"
                + (raiseMax ? " raising MaxSize by one" : "")
                + $", and detach {request.Instance.InstanceId} with decrement after {details["detach_delay_seconds"]} s";
        }
        else
        {
            plan = $"would detach {request.Instance.InstanceId} without decrement after {details["detach_delay_seconds"]} s; the group launches the replacement";
        }

        _logger.LogInformation("Dry run for {InstanceId}: {Plan}", request.Instance.InstanceId, plan);
        return new StepOutcome { Status = StepStatus.NoOp, Reason = $"dry run: {plan}", Details = details };
    }

    private async Task<StepOutcome> DetachStrategyAsync(
        RemediationRequest request, AutoScalingGroupInfo group, ReclaimDeadline deadline, Dictionary<string, string> details, CancellationToken cancellationToken)
    {
        string doomed = request.Instance.InstanceId;
        TimeSpan delay = DetachDelay(request, deadline);
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, _clock, cancellationToken);
        }

        // Re-read the group after a delay, or on a re-run; with no delay on a first run the dispatcher's fresh view stands.
        if (delay > TimeSpan.Zero || !IsFirstRun(request) || request.Group is null)
        {
            group = await DescribeGroupAsync(group.Name, deadline, cancellationToken) ?? group;
        }

        var before = group.Instances.Select(i => i.InstanceId).ToHashSet(StringComparer.Ordinal);
        if (IsMember(group, doomed))
        {
            await RetryAsync(ct => _autoScaling.DetachInstancesAsync(group.Name, [doomed], false, ct), deadline, cancellationToken);
            RecordReactionLatency(request, "detach");
            details["detached"] = doomed;
        }
        else
        {
            details["detached"] = "already out of the group";
        }

        InterruptionRecord? record = await _ledger.GetAsync(doomed, cancellationToken);
        string? successor = record?.SuccessorInstanceId ?? await WatchForNewMemberAsync(group.Name, before, doomed, deadline, cancellationToken);
        if (successor is null)
        {
            return StepOutcome.Done($"detached {doomed}; the group's replacement was not seen within {Seconds(_options.SuccessorWaitLimit)} s", details);
        }

        await _ledger.SetSuccessorAsync(doomed, successor, _clock.GetUtcNow(), cancellationToken);
        details["successor_instance_id"] = successor;
        return StepOutcome.Done($"detached {doomed}; the group launched {successor}", details);
    }

    private async Task<StepOutcome> LaunchStrategyAsync(
        RemediationRequest request, AutoScalingGroupInfo group, ReclaimDeadline deadline, Dictionary<string, string> details, CancellationToken cancellationToken)
    {
        string doomed = request.Instance.InstanceId;
        // A first run (this dispatch created the record) has no progress and no recorded successor; only a successor
        // pre-launched on a rebalance recommendation can exist, and the dispatcher searched for it in parallel. A re-run
        // reads both itself.
        bool firstRun = IsFirstRun(request);
        InterruptionRecord? record = firstRun ? null : await _ledger.GetAsync(doomed, cancellationToken);
        IReadOnlyDictionary<string, string> progress = record?.Progress ?? new Dictionary<string, string>();

        string? successor = firstRun
            ? request.SuccessorInstanceId
            : record?.SuccessorInstanceId ?? await _launcher.FindSuccessorAsync(doomed, cancellationToken);
        if (successor is not null)
        {
            details["successor_reused"] = "true";
        }
        else
        {
            LaunchTemplateRef? template = ReplacementPlanner.Template(group, request.Instance);
            if (template is null)
            {
                return StepOutcome.Failed($"group {group.Name} has no launch template to launch a successor from", details);
            }

            (successor, LaunchCandidate? used, string attempts) = await LaunchFirstAvailableAsync(request, group, template, deadline, cancellationToken);
            details["attempts"] = attempts;
            if (successor is null || used is null)
            {
                return StepOutcome.Failed($"no capacity for a successor: {attempts}", details);
            }

            details["successor_type"] = used.InstanceType;
            details["successor_market"] = used.MarketText;
        }

        details["successor_instance_id"] = successor;
        await _ledger.SetSuccessorAsync(doomed, successor, _clock.GetUtcNow(), cancellationToken);

        InstanceFacts? successorFacts = await WaitUntilRunningAsync(successor, deadline, cancellationToken);
        if (successorFacts is null)
        {
            return StepOutcome.Failed($"successor {successor} did not reach running", details);
        }

        group = await DescribeGroupAsync(group.Name, deadline, cancellationToken) ?? group;
        if (!IsMember(group, successor))
        {
            if (!progress.ContainsKey(DesiredBefore))
            {
                await _ledger.SetProgressAsync(doomed, DesiredBefore, Text(group.DesiredCapacity), cancellationToken);
                progress = new Dictionary<string, string>(progress) { [DesiredBefore] = Text(group.DesiredCapacity) };
            }

            if (group.DesiredCapacity + 1 > group.MaxSize)
            {
                // The note is written before the change so a crash between the two still gets MaxSize restored.
                if (!progress.ContainsKey(MaxRaisedFrom))
                {
                    await _ledger.SetProgressAsync(doomed, MaxRaisedFrom, Text(group.MaxSize), cancellationToken);
                    progress = new Dictionary<string, string>(progress) { [MaxRaisedFrom] = Text(group.MaxSize) };
                }

                await RetryAsync(ct => _autoScaling.UpdateAutoScalingGroupAsync(group.Name, null, group.MaxSize + 1, ct), deadline, cancellationToken);
                details["max_size_raised"] = $"{group.MaxSize} -> {group.MaxSize + 1}";
            }

            await RetryAsync(ct => _autoScaling.AttachInstancesAsync(group.Name, [successor], ct), deadline, cancellationToken);
            details["attached"] = successor;
        }

        TimeSpan delay = DetachDelay(request, deadline);
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, _clock, cancellationToken);
        }

        await DetachAndRestoreAsync(group.Name, doomed, progress, deadline, details, cancellationToken);
        return StepOutcome.Done($"successor {successor} attached and {doomed} detached", details);
    }

    /// <summary>
    /// The doomed instance out with decrement (or, when AWS took it first, desired capacity back to where it began), then
    /// MaxSize restored: the group ends as it began, whichever run gets here.
    /// </summary>
    private async Task DetachAndRestoreAsync(
        string groupName, string doomed, IReadOnlyDictionary<string, string> progress, ReclaimDeadline deadline, Dictionary<string, string> details, CancellationToken cancellationToken)
    {
        AutoScalingGroupInfo? group = await DescribeGroupAsync(groupName, deadline, cancellationToken);
        if (group is null)
        {
            return;
        }

        if (IsMember(group, doomed))
        {
            await DetachWithDecrementAsync(group, doomed, deadline, details, cancellationToken);
        }
        else
        {
            // AWS took the instance first (or an earlier run detached it): bring desired back to where it began.
            details["detached"] = "already out of the group";
            if (int.TryParse(progress.GetValueOrDefault(DesiredBefore), NumberStyles.Integer, CultureInfo.InvariantCulture, out int desiredBefore)
                && group.DesiredCapacity > desiredBefore)
            {
                await RetryAsync(ct => _autoScaling.SetDesiredCapacityAsync(group.Name, desiredBefore, false, ct), deadline, cancellationToken);
                details["desired_restored"] = Text(desiredBefore);
            }
        }

        await RestoreMaxSizeAsync(doomed, group.Name, progress, deadline, details, cancellationToken);
    }

    /// <summary>
    /// A resumed run that starts after the reclaim time (the run before it died, and no redelivery came in time): no new
    /// launch or attach, but nothing left half-done either. A successor already attached keeps its place and the group
    /// gets its desired capacity and MaxSize back; one launched but never attached is recorded and reported, never left
    /// running unrecorded.
    /// </summary>
    private async Task<StepOutcome> FinishAfterReclaimAsync(RemediationRequest request, CancellationToken cancellationToken)
    {
        string doomed = request.Instance.InstanceId;
        string? groupName = request.Instance.GroupName ?? (request.Config.GroupName.Length > 0 ? request.Config.GroupName : null);
        InterruptionRecord? record = await _ledger.GetAsync(doomed, cancellationToken);
        string? successor = record?.SuccessorInstanceId ?? await _launcher.FindSuccessorAsync(doomed, cancellationToken);
        var details = new Dictionary<string, string> { ["strategy"] = "launch", ["late"] = "true" };
        _metrics.Record("DeadlineMisses", 1, MetricUnit.Count, new Dictionary<string, string> { ["Step"] = Name });
        if (successor is null || groupName is null)
        {
            return new StepOutcome { Status = StepStatus.Skipped, Reason = $"reclaim time {request.ReclaimAt:O} passed before a successor was launched", Details = details };
        }

        details["successor_instance_id"] = successor;
        await _ledger.SetSuccessorAsync(doomed, successor, _clock.GetUtcNow(), cancellationToken);
        // No deadline left: every call goes once, without the in-window retries.
        var late = new ReclaimDeadline(request.WarningTime, request.ReclaimAt);
        IReadOnlyDictionary<string, string> progress = record?.Progress ?? new Dictionary<string, string>();
        AutoScalingGroupInfo? group = await DescribeGroupAsync(groupName, late, cancellationToken);
        if (group is null || !IsMember(group, successor))
        {
            await RestoreMaxSizeAsync(doomed, groupName, progress, late, details, cancellationToken);
            return StepOutcome.Failed(
                $"reclaim time {request.ReclaimAt:O} passed before successor {successor} was attached; it runs outside group {groupName}: attach it or terminate it",
                details);
        }

        await DetachAndRestoreAsync(groupName, doomed, progress, late, details, cancellationToken);
        return StepOutcome.Done($"finished after the reclaim time: successor {successor} in the group, {doomed} out, capacity restored", details);
    }

    private async Task<(string? Id, LaunchCandidate? Used, string Attempts)> LaunchFirstAvailableAsync(
        RemediationRequest request, AutoScalingGroupInfo group, LaunchTemplateRef template, ReclaimDeadline deadline, CancellationToken cancellationToken)
    {
        IReadOnlyList<LaunchCandidate> candidates = ReplacementPlanner.Candidates(request.Instance, group, request.Config);
        IReadOnlyDictionary<string, string> tags = ReplacementPlanner.Tags(group, request.Instance.InstanceId);
        var attempts = new List<string>();
        bool latencyRecorded = false;
        for (int index = 0; index < candidates.Count; index++)
        {
            LaunchCandidate candidate = candidates[index];
            var spec = new SuccessorLaunchSpec
            {
                LaunchTemplate = template,
                Candidate = candidate,
                SubnetId = request.Instance.SubnetId,
                AvailabilityZone = request.Instance.AvailabilityZone,
                Tags = tags,
                ClientToken = string.Create(CultureInfo.InvariantCulture, $"maxgroup-{request.Instance.InstanceId}-{index}"),
            };
            if (!latencyRecorded)
            {
                RecordReactionLatency(request, "launch");
                latencyRecorded = true;
            }

            try
            {
                string id = await RetryAsync(ct => _launcher.LaunchAsync(spec, ct), deadline, cancellationToken);
                attempts.Add($"{candidate}: launched {id}");
                _metrics.Record("SuccessorsLaunched", 1, MetricUnit.Count, new Dictionary<string, string>
                {
                    ["InstanceType"] = candidate.InstanceType,
                    ["Market"] = candidate.MarketText,
                });
                _metrics.RecordExact(LegacyMetrics.Namespace, LegacyMetrics.Name, 1, MetricUnit.Count, LegacyMetrics.PreComplementDimensions);
                _logger.LogInformation("Launched successor {SuccessorId} ({Candidate}) for {InstanceId}", id, candidate.ToString(), request.Instance.InstanceId);
                return (id, candidate, string.Join("; ", attempts));
            }
            catch (RemoteApiException ex) when (CapacityErrors.IsCapacityError(ex.ErrorCode))
            {
                _logger.LogWarning("No capacity for {Candidate}: {ErrorCode}; trying the next candidate", candidate.ToString(), ex.ErrorCode);
                attempts.Add($"{candidate}: {ex.ErrorCode}");
            }
        }

        return (null, null, attempts.Count == 0 ? "no candidate instance type" : string.Join("; ", attempts));
    }

    private async Task DetachWithDecrementAsync(AutoScalingGroupInfo group, string doomed, ReclaimDeadline deadline, Dictionary<string, string> details, CancellationToken cancellationToken)
    {
        try
        {
            await RetryAsync(ct => _autoScaling.DetachInstancesAsync(group.Name, [doomed], true, ct), deadline, cancellationToken);
        }
        catch (RemoteApiException ex) when (IsBelowMinSize(ex))
        {
            // Decrementing would go below MinSize: lower it by one for the detach and put it back, so capacity
            // ends where it began without the group launching yet another instance.
            _logger.LogWarning("Detaching {InstanceId} would go below MinSize {MinSize}: lowering it for the detach", doomed, group.MinSize);
            await RetryAsync(ct => _autoScaling.UpdateAutoScalingGroupAsync(group.Name, group.MinSize - 1, null, ct), deadline, cancellationToken);
            try
            {
                await RetryAsync(ct => _autoScaling.DetachInstancesAsync(group.Name, [doomed], true, ct), deadline, cancellationToken);
            }
            finally
            {
                await RetryAsync(ct => _autoScaling.UpdateAutoScalingGroupAsync(group.Name, group.MinSize, null, ct), deadline, CancellationToken.None);
            }

            details["min_size_lowered_for_detach"] = Text(group.MinSize);
        }

        details["detached"] = doomed;
    }

    private async Task RestoreMaxSizeAsync(
        string doomed, string groupName, IReadOnlyDictionary<string, string> progress, ReclaimDeadline deadline, Dictionary<string, string> details, CancellationToken cancellationToken)
    {
        if (!int.TryParse(progress.GetValueOrDefault(MaxRaisedFrom), NumberStyles.Integer, CultureInfo.InvariantCulture, out int originalMax)
            || progress.ContainsKey(MaxRestored))
        {
            return;
        }

        AutoScalingGroupInfo? group = await DescribeGroupAsync(groupName, deadline, cancellationToken);
        if (group is not null && group.MaxSize > originalMax && group.DesiredCapacity <= originalMax)
        {
            await RetryAsync(ct => _autoScaling.UpdateAutoScalingGroupAsync(groupName, null, originalMax, ct), deadline, cancellationToken);
            await _ledger.SetProgressAsync(doomed, MaxRestored, "true", cancellationToken);
            details["max_size_restored"] = Text(originalMax);
        }
    }

    private async Task<InstanceFacts?> WaitUntilRunningAsync(string instanceId, ReclaimDeadline deadline, CancellationToken cancellationToken)
    {
        while (true)
        {
            InstanceFacts? facts = await RetryAsync(ct => _inventory.DescribeInstanceAsync(instanceId, ct), deadline, cancellationToken);
            if (facts is { State: "running" })
            {
                return facts;
            }

            if (facts is { IsGone: true } || !deadline.CanFit(_options.PollInterval + _options.SafetyMargin, _clock))
            {
                return null;
            }

            // A just-launched instance can be missing from DescribeInstances for a moment (eventual consistency).
            await Task.Delay(_options.PollInterval, _clock, cancellationToken);
        }
    }

    private async Task<string?> WatchForNewMemberAsync(string groupName, HashSet<string> before, string doomed, ReclaimDeadline deadline, CancellationToken cancellationToken)
    {
        DateTimeOffset giveUpAt = _clock.GetUtcNow() + _options.SuccessorWaitLimit;
        while (true)
        {
            AutoScalingGroupInfo? group = await DescribeGroupAsync(groupName, deadline, cancellationToken);
            // Several interruptions of one group may wait at once, each seeing every new member: the ledger's
            // first-claim-wins decides whose successor each one is, so no two take the same instance.
            foreach (AutoScalingInstanceInfo fresh in (group?.Instances ?? [])
                .Where(i => i.InstanceId != doomed && !before.Contains(i.InstanceId))
                .OrderBy(i => i.InstanceId, StringComparer.Ordinal))
            {
                if (await _ledger.TryClaimSuccessorAsync(fresh.InstanceId, doomed, _clock.GetUtcNow(), cancellationToken))
                {
                    return fresh.InstanceId;
                }
            }

            DateTimeOffset next = _clock.GetUtcNow() + _options.PollInterval;
            if (next > giveUpAt || next > deadline.ReclaimAt)
            {
                return null;
            }

            await Task.Delay(_options.PollInterval, _clock, cancellationToken);
        }
    }

    private async Task<AutoScalingGroupInfo?> DescribeGroupAsync(string groupName, ReclaimDeadline deadline, CancellationToken cancellationToken)
    {
        IReadOnlyList<AutoScalingGroupInfo> groups = await RetryAsync(ct => _autoScaling.DescribeAutoScalingGroupsAsync([groupName], ct), deadline, cancellationToken);
        return groups.FirstOrDefault(g => g.Name == groupName);
    }

    private async Task<T> RetryAsync<T>(Func<CancellationToken, Task<T>> call, ReclaimDeadline deadline, CancellationToken cancellationToken)
    {
        TimeSpan backoff = _options.FirstBackoff;
        while (true)
        {
            try
            {
                return await call(cancellationToken);
            }
            catch (RemoteApiException ex) when (ex.IsRetryable && !CapacityErrors.IsCapacityError(ex.ErrorCode) && deadline.CanFit(backoff, _clock))
            {
                // ScalingActivityInProgress, ResourceContention, throttling: wait and try again within the deadline.
                // Capacity errors come back as HTTP 500 too, but retrying the same pool is futile: the caller moves on.
                _logger.LogWarning("{Service} answered {ErrorCode}; retrying in {BackoffMs} ms", ex.Service, ex.ErrorCode, backoff.TotalMilliseconds);
                await Task.Delay(backoff, _clock, cancellationToken);
                backoff = backoff * 2 < _options.MaxBackoff ? backoff * 2 : _options.MaxBackoff;
            }
        }
    }

    private Task RetryAsync(Func<CancellationToken, Task> call, ReclaimDeadline deadline, CancellationToken cancellationToken) =>
        RetryAsync<bool>(async ct =>
        {
            await call(ct);
            return true;
        }, deadline, cancellationToken);

    private TimeSpan DetachDelay(RemediationRequest request, ReclaimDeadline deadline) =>
        ReplacementPlanner.BoundedDelay(TimeSpan.FromSeconds(request.Config.DetachingDelaySeconds), _clock.GetUtcNow(), deadline.ReclaimAt, _options.SafetyMargin);

    private void RecordReactionLatency(RemediationRequest request, string strategy) =>
        _metrics.Record("ReactionLatency", (_clock.GetUtcNow() - request.WarningTime).TotalMilliseconds, MetricUnit.Milliseconds,
            new Dictionary<string, string> { ["Strategy"] = strategy });

    /// <summary>The dispatcher created the interruption with this step claimed and searched for a pre-launched successor.</summary>
    private static bool IsFirstRun(RemediationRequest request) => request.StepClaimedAt is not null && request.SuccessorSearched;

    private static bool IsMember(AutoScalingGroupInfo group, string instanceId) =>
        group.Instances.Any(i => i.InstanceId == instanceId && i.LifecycleState is not ("Detaching" or "Detached" or "Terminating" or "Terminated"));

    private static bool IsBelowMinSize(RemoteApiException ex) =>
        ex.ErrorCode == "ValidationError"
        && ex.Message.Contains("min", StringComparison.OrdinalIgnoreCase)
        && ex.Message.Contains("size", StringComparison.OrdinalIgnoreCase);

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Seconds(TimeSpan span) => ((int)span.TotalSeconds).ToString(CultureInfo.InvariantCulture);
}
