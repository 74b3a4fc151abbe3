using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Preaction;

/// <summary>
/// One scheduled preaction run: every Auto Scaling group MaxGroup manages with is_enable_preaction or
/// is_to_revert_to_spot gets its batch advanced or planned. A failure in one group is reported and does not stop the others.
/// </summary>
public sealed class PreactionService(IAutoScalingApi autoScaling, IGroupConfigSource configs, PreactionExecutor executor, ILogger logger)
{
    /// <summary>Runs every enabled group; <paramref name="dryRun"/> plans only; <paramref name="onlyGroups"/> empty = every group.</summary>
    public async Task<PreactionRunReport> RunAsync(bool dryRun, IReadOnlyList<string> onlyGroups, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onlyGroups);
        IReadOnlyList<AutoScalingGroupInfo> groups = await autoScaling.DescribeAutoScalingGroupsAsync(onlyGroups, cancellationToken);
        var results = new List<PreactionGroupResult>();
        foreach (AutoScalingGroupInfo group in groups.OrderBy(g => g.Name, StringComparer.Ordinal))
        {
            GroupConfigLookup lookup = await configs.GetAsync(group.Name, cancellationToken);
            // The swap back to Spot (is_to_revert_to_spot, on by default) runs without is_enable_preaction.
            if (!lookup.Managed || lookup.Config is null || !(lookup.Config.IsEnablePreaction || lookup.Config.IsToRevertToSpot))
            {
                continue;
            }

            try
            {
                PreactionGroupResult result = await executor.RunGroupAsync(lookup.Config with { GroupName = group.Name }, dryRun, cancellationToken);
                logger.LogInformation("Preaction for {GroupName}: {Status} {Reason}", group.Name, result.Status, result.Reason ?? string.Join("; ", result.Actions));
                results.Add(result);
            }
            catch (Exception ex) when (ex is RemoteApiException or InvalidOperationException or FormatException)
            {
                logger.LogError(ex, "Preaction for {GroupName} failed", group.Name);
                results.Add(new PreactionGroupResult { GroupName = group.Name, Status = "failed", Reason = ex.Message, DryRun = dryRun });
            }
        }

        return new PreactionRunReport { DryRun = dryRun, Groups = results };
    }
}
