using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Testing.Ports;

/// <summary>Serves fixed advisor data and counts the reads.</summary>
public sealed class FakeSpotAdvisor(SpotAdvisorData data) : ISpotAdvisorSource
{
    private int _reads;

    public int Reads => Volatile.Read(ref _reads);

    public Task<SpotAdvisorData> GetAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _reads);
        return Task.FromResult(data);
    }
}
