using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Steps.Capacity;

namespace MaxGroup.Core.Steps.Replace;

/// <summary>
/// What the replace step would do for one instance of one group, and the one place its text is made: the step's
/// dry run and `maxgroup plan` both read it.
/// </summary>
public sealed record ReplacePlan
{
    /// <summary>Said by the dry run and the plan when the group replaces interrupted instances itself.</summary>
    public const string CapacityRebalanceWarning = "Capacity Rebalance is on: AWS replaces the instance itself and races MaxGroup; turn it off";

    public required string InstanceId { get; init; }
    public required ReplacementStrategy Strategy { get; init; }
    /// <summary>The (type, market) pairs the launch strategy tries, in order.</summary>
    public required IReadOnlyList<LaunchCandidate> Candidates { get; init; }
    /// <summary>Null when neither the group nor the instance has one: the launch would fail.</summary>
    public LaunchTemplateRef? Template { get; init; }
    /// <summary>Where the successor goes: the instance's subnet, or its AZ when it has none.</summary>
    public required string Placement { get; init; }
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
    /// <summary>The group is full: attaching the successor needs MaxSize raised by one.</summary>
    public bool RaisesMaxSize { get; init; }
    public int MaxSize { get; init; }

    public static ReplacePlan For(InstanceFacts instance, AutoScalingGroupInfo group, GroupConfig config)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(config);
        return new ReplacePlan
        {
            InstanceId = instance.InstanceId,
            Strategy = config.EffectiveStrategy,
            Candidates = ReplacementPlanner.Candidates(instance, group, config),
            Template = ReplacementPlanner.Template(group, instance),
            Placement = instance.SubnetId ?? instance.AvailabilityZone,
            Tags = ReplacementPlanner.Tags(group, instance.InstanceId),
            RaisesMaxSize = group.DesiredCapacity + 1 > group.MaxSize,
            MaxSize = group.MaxSize,
        };
    }

    public bool Launches => Strategy == ReplacementStrategy.Launch;

    public string StrategyText => Launches ? "launch" : "detach";

    public string CandidatesText => string.Join(", ", Candidates);

    /// <summary>"lt-1 version 3"; null without a template.</summary>
    public string? TemplateText => Template is null ? null : $"{Template.Id ?? Template.Name} version {Template.Version}";

    public string TagsText => string.Join(", ", Tags.Select(t => $"{t.Key}={t.Value}"));

    /// <summary>"2 -> 3".</summary>
    public string MaxSizeChangeText => $"{MaxSize} -> {MaxSize + 1}";

    /// <summary>The dry run's one-sentence plan, with the detach delay it would wait.</summary>
    public string Sentence(string detachDelaySeconds) =>
        Launches
            ? $"would launch a successor ({CandidatesText}) in {Placement}, attach it"
                + (RaisesMaxSize ? " raising MaxSize by one" : "")
                + $", and detach {InstanceId} with decrement after {detachDelaySeconds} s"
            : $"would detach {InstanceId} without decrement after {detachDelaySeconds} s; the group launches the replacement";
}
