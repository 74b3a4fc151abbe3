using MaxGroup.Core.Model;

namespace MaxGroup.Core.Steps.Prewarm;

/// <summary>The decisions of the pre-warm, free of I/O: whether to pre-warm, whether a claim may be taken over, whether to release.</summary>
public static class PrewarmRules
{
    /// <summary>Why the at-risk instance gets no successor early, or null when it may.</summary>
    public static string? InstanceProblem(InstanceFacts? facts)
    {
        if (facts is null)
        {
            return "instance not found";
        }

        if (facts.IsGone)
        {
            return $"instance is already {facts.State}";
        }

        return facts.GroupName is null ? "instance is not in an Auto Scaling group" : null;
    }

    /// <summary>Why the group's configuration rules a pre-warm out, or null when it asks for one.</summary>
    public static string? ConfigProblem(GroupConfigLookup lookup)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        if (!lookup.Managed || lookup.Config is null)
        {
            return $"group is not managed: {lookup.Reason}";
        }

        GroupConfig config = lookup.Config;
        if (!config.Enabled)
        {
            return "group is disabled in its configuration";
        }

        if (!config.IsToHandleRebalanceEvent)
        {
            return "is_to_handle_rebalance_event is off for this group: the recommendation is ignored";
        }

        // With detach the group launches the replacement itself once the doomed instance leaves: a successor started
        // now would never be adopted, only paid for.
        return config.EffectiveStrategy != ReplacementStrategy.Launch
            ? "pre-warm needs the launch replacement strategy (with detach the group launches the replacement itself)"
            : null;
    }

    /// <summary>Whether a new claim may overwrite <paramref name="existing"/>.</summary>
    public static bool CanTakeOver(PrewarmRecord existing, DateTimeOffset now, TimeSpan staleClaim)
    {
        ArgumentNullException.ThrowIfNull(existing);
        return existing.ExpiresAt <= now
            || existing.Status == PrewarmStatus.Released
            || (existing.Status == PrewarmStatus.Claimed && existing.SuccessorInstanceId is null && existing.ClaimedAt + staleClaim <= now);
    }

    /// <summary>
    /// Whether the sweep terminates <paramref name="successor"/>, with the reason. Never a group member (adopted: the
    /// group owns it now), never while an interruption may still adopt it; otherwise after its keep time, or at once
    /// when the at-risk instance left without a warning.
    /// </summary>
    public static (bool Release, string Reason) Judge(
        PrewarmedInstance successor, bool isGroupMember, InstanceFacts? atRisk, InterruptionRecord? interruption, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(successor);
        if (isGroupMember)
        {
            return (false, "adopted by its group");
        }

        if (interruption is not null)
        {
            if (interruption.SuccessorInstanceId == successor.InstanceId)
            {
                return (false, "the replace step took it as the successor");
            }

            if (interruption.Status != InterruptionStatus.Done && interruption.SuccessorInstanceId is null)
            {
                return (false, "an interruption of the at-risk instance is in progress");
            }

            return (true, $"the interruption was handled with another successor ({interruption.SuccessorInstanceId ?? "none"})");
        }

        if (now >= successor.KeepUntil)
        {
            return (true, "no interruption warning followed within the keep time");
        }

        if (atRisk is null || atRisk.IsGone)
        {
            return (true, "the at-risk instance left without an interruption warning");
        }

        if (atRisk.GroupName is null)
        {
            return (true, "the at-risk instance left its group without an interruption warning");
        }

        return (false, "waiting for an interruption warning");
    }
}
