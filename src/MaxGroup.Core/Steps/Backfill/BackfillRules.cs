using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using MaxGroup.Core.Model;
using MaxGroup.Core.Steps.Capacity;

namespace MaxGroup.Core.Steps.Backfill;

/// <summary>The decisions of a backfill, free of I/O: how short the group is, the launch's tokens, tags and avoided pools.</summary>
public static partial class BackfillRules
{
    /// <summary>Instances that count towards desired capacity: in service, or on their way (Pending, Pending:Wait...).</summary>
    public static int InServiceOrPending(AutoScalingGroupInfo group)
    {
        ArgumentNullException.ThrowIfNull(group);
        return group.Instances.Count(i => i.LifecycleState is { } state
            && (state.StartsWith("InService", StringComparison.Ordinal) || state.StartsWith("Pending", StringComparison.Ordinal)));
    }

    /// <summary>How many instances the group lacks: desired minus those in service or pending (never below 0).</summary>
    public static int Shortfall(AutoScalingGroupInfo group) => Math.Max(0, group.DesiredCapacity - InServiceOrPending(group));

    /// <summary>Whether a new claim may take <paramref name="existing"/> over: expired, or a claim whose lease lapsed.</summary>
    public static bool CanTakeOver(BackfillRecord existing, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(existing);
        return existing.ExpiresAt <= now || (existing.Status == BackfillStatus.Claimed && existing.LeaseUntil <= now);
    }

    /// <summary>
    /// The idempotency token of the launch at <paramref name="index"/>: derived from group and activity only, so a retried
    /// or redelivered backfill gets the first launch's instance back from EC2 instead of a second one. A hash keeps it
    /// within EC2's 64 characters whatever the group's name.
    /// </summary>
    public static string ClientToken(string groupName, string activityId, int index)
    {
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{groupName}\n{activityId}"));
        return string.Create(CultureInfo.InvariantCulture, $"maxgroup-backfill-{Convert.ToHexStringLower(hash)[..32]}-{index}");
    }

    /// <summary>The instance type a capacity failure names ("...sufficient m5.large capacity..."), or null.</summary>
    public static string? FailedInstanceType(string? statusMessage)
    {
        if (string.IsNullOrEmpty(statusMessage))
        {
            return null;
        }

        Match match = CapacityMessage().Match(statusMessage);
        return match.Success ? match.Groups["type"].Value : null;
    }

    /// <summary>
    /// The Spot pools this launch leaves out (while another is allowed): the failed type in the zone that just failed, or
    /// every candidate type there when the message names no type. Only for this launch: nothing is written.
    /// </summary>
    public static IReadOnlyCollection<SpotPoolBan> AvoidedPools(string? zone, string? failedType, IEnumerable<string> candidateTypes, DateTimeOffset until)
    {
        if (string.IsNullOrEmpty(zone))
        {
            return [];
        }

        IEnumerable<string> types = failedType is null ? candidateTypes.Distinct(StringComparer.Ordinal) : [failedType];
        return types.Select(t => new SpotPoolBan(t, zone, until)).ToList();
    }

    /// <summary>The first of <paramref name="choices"/> that is not <paramref name="failed"/>; the first when all are; null when none.</summary>
    public static string? FirstOtherThan(IReadOnlyList<string> choices, string? failed)
    {
        ArgumentNullException.ThrowIfNull(choices);
        return choices.FirstOrDefault(c => !string.Equals(c, failed, StringComparison.Ordinal)) ?? choices.FirstOrDefault();
    }

    /// <summary>The group's propagate-at-launch tags (aws: keys are reserved), spotmax:group and spotmax:backfill.</summary>
    public static IReadOnlyDictionary<string, string> Tags(AutoScalingGroupInfo group, string activityId) =>
        ReplacementPlanner.LaunchTags(group, SuccessorTags.Backfill, activityId);

    [GeneratedRegex(@"sufficient (?<type>[a-z][a-z0-9-]*\.[a-z0-9-]+) capacity", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex CapacityMessage();
}
