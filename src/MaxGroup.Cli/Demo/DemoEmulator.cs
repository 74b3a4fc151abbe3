using MaxGroup.Simulators.Aws;

namespace MaxGroup.Cli.Demo;

/// <summary>
/// The AWS behaviours the demo's proxy gives in front of moto where moto lacks them, and their records: ELBv2 draining
/// (<see cref="TargetGroupDraining"/>, which also times each DeregisterTargets) and EC2 capacity (<see cref="Ec2CapacityPools"/>,
/// whose pools are all full unless a scenario dries some).
/// </summary>
public sealed class DemoEmulator(TimeProvider clock)
{
    public TargetGroupDraining Draining { get; } = new(clock);

    public Ec2CapacityPools Capacity { get; } = new();

    /// <summary>What the proxy applies, in order.</summary>
    public IEmulatorSemantics[] Semantics => [Capacity, Draining];
}
