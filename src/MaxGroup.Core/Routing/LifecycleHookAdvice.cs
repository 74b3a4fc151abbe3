using MaxGroup.Core.Model;

namespace MaxGroup.Core.Routing;

/// <summary>
/// What `maxgroup plan` says about a group's terminate lifecycle hooks: a group that drains or deregisters from Consul
/// needs one, or a scale-in (instance refresh, health replacement) leaves without a hand-over. MaxGroup creates none.
/// </summary>
public static class LifecycleHookAdvice
{
    /// <summary>The line for <paramref name="config"/> given the group's <paramref name="hooks"/>; null when the group needs no hook.</summary>
    public static string? Describe(GroupConfig config, IReadOnlyList<LifecycleHookInfo> hooks)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(hooks);
        List<LifecycleHookInfo> terminating = hooks.Where(h => h.LifecycleTransition == HandoverRoutes.TerminatingTransition).ToList();
        if (terminating.Count > 0)
        {
            return string.Join("; ", terminating.Select(h =>
                $"{h.HookName} (heartbeat {h.HeartbeatTimeout} s, default {h.DefaultResult}): a scale-in is drained and deregistered, then completed"
                + (h.DefaultResult == LifecycleHookAction.Abandon ? "; a DefaultResult of CONTINUE is safer if MaxGroup is down" : "")));
        }

        if (!config.HasDrainStep && !config.HasConsulStep)
        {
            return null;
        }

        return "none: a scale-in, instance refresh or health replacement leaves without drain or Consul deregistration; "
            + "add a terminate lifecycle hook (docs/deploy.md, \"Terminate lifecycle hooks\")";
    }
}
