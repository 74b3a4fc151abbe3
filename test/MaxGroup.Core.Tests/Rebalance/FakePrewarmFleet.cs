namespace MaxGroup.Core.Tests.Rebalance;

/// <summary>Pre-warmed instances as EC2 would list them by tag; records terminations and drops terminated ones from the list.</summary>
internal sealed class FakePrewarmFleet : IPrewarmFleet
{
    private readonly List<PrewarmedInstance> _instances = [];

    public List<string> Terminated { get; } = [];

    public void Add(PrewarmedInstance instance) => _instances.Add(instance);

    public Task<IReadOnlyList<PrewarmedInstance>> ListAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<PrewarmedInstance>>(_instances.Where(i => !Terminated.Contains(i.InstanceId)).ToList());

    public Task TerminateAsync(string instanceId, CancellationToken cancellationToken)
    {
        Terminated.Add(instanceId);
        return Task.CompletedTask;
    }
}
