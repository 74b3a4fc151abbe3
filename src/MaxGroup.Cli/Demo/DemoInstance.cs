namespace MaxGroup.Cli.Demo;

/// <summary>An instance of the demo group as the peers know it: EC2 id, zone, and the node name EKS gives it.</summary>
public sealed record DemoInstance(string InstanceId, string Zone, string NodeName);
