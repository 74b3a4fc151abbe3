namespace MaxGroup.Core.Model;

/// <summary>What a Consul agent tells about itself (GET /v1/agent/self): its node name and datacenter.</summary>
public sealed record ConsulAgentSelf(string NodeName, string? Datacenter);
