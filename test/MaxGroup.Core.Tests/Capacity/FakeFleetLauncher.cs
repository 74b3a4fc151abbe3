using MaxGroup.Core.Tests.Replace;

namespace MaxGroup.Core.Tests.Capacity;

/// <summary>
/// CreateFleet in memory over <see cref="FakeLauncher"/>: a pool whose "type/market" the serial fake fails, or whose
/// "type@zone" is in <see cref="DryPools"/>, is reported in Errors; the first other pool launches. <see cref="Refuse"/>
/// makes every call answer that code as a thrown error.
/// </summary>
internal sealed class FakeFleetLauncher(FakeLauncher serial, IReadOnlyDictionary<string, string> subnetZones) : ISuccessorLauncher, IFleetLauncher
{
    public List<FleetLaunchSpec> Fleets { get; } = [];

    public HashSet<string> DryPools { get; } = [];

    public (string Code, int Status)? Refuse { get; set; }

    /// <summary>Set: every pool answers this error code instead of capacity.</summary>
    public string? PoolError { get; set; }

    public FakeLauncher Serial => serial;

    public Task<string> LaunchAsync(SuccessorLaunchSpec spec, CancellationToken cancellationToken) => serial.LaunchAsync(spec, cancellationToken);

    public Task<string?> FindSuccessorAsync(string interruptedInstanceId, CancellationToken cancellationToken) =>
        serial.FindSuccessorAsync(interruptedInstanceId, cancellationToken);

    public async Task<FleetLaunchAnswer> LaunchFleetAsync(FleetLaunchSpec spec, CancellationToken cancellationToken)
    {
        Fleets.Add(spec);
        if (Refuse is { } refusal)
        {
            throw new RemoteApiException("ec2", refusal.Code, "refused", refusal.Status);
        }

        var errors = new List<FleetPoolError>();
        foreach (LaunchPool pool in spec.Pools)
        {
            var candidate = new LaunchCandidate(pool.InstanceType, spec.Market);
            string zone = pool.SubnetId is null ? pool.AvailabilityZone ?? "" : subnetZones.GetValueOrDefault(pool.SubnetId, "");
            if (PoolError is not null || serial.FailWith.ContainsKey(candidate.ToString()) || DryPools.Contains($"{pool.InstanceType}@{zone}"))
            {
                errors.Add(new FleetPoolError(pool.InstanceType, pool.SubnetId, PoolError ?? "InsufficientInstanceCapacity"));
                continue;
            }

            string id = await serial.LaunchAsync(
                new SuccessorLaunchSpec { LaunchTemplate = spec.LaunchTemplate, Candidate = candidate, SubnetId = pool.SubnetId, Tags = spec.Tags, ClientToken = spec.ClientToken },
                cancellationToken);
            return new FleetLaunchAnswer { InstanceId = id, Pool = pool, Errors = errors };
        }

        return new FleetLaunchAnswer { Errors = errors };
    }

    public Task<IReadOnlyDictionary<string, string>> SubnetZonesAsync(IReadOnlyList<string> subnetIds, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<string, string>>(subnetIds.Where(subnetZones.ContainsKey).ToDictionary(s => s, s => subnetZones[s]));
}
