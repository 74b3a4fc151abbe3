using MaxGroup.Aws;
using MaxGroup.Cli.Local;
using MaxGroup.Core.Model;

namespace MaxGroup.Cli.Demo;

/// <summary>
/// What the runner has set up when a scenario of its own takes over (scale-in, retirement): the in-process functions,
/// the emulator's clients, the peers, the event route, the group before, and the instance that leaves with its data volume.
/// </summary>
public sealed record DemoStage(
    LocalFunctionHost Host, AwsClientFactory Aws, DemoPeers Peers, DemoEventRoute Events, AutoScalingGroupInfo Before, string InstanceId, string Zone, string VolumeId);
