using System.Collections.Concurrent;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Testing.Ports;

/// <summary>Group configs by name, in memory; a group without one is not managed, for <paramref name="notManagedReason"/>.</summary>
public sealed class FakeConfigSource(string notManagedReason = "no configuration for the group") : IGroupConfigSource
{
    private readonly ConcurrentDictionary<string, GroupConfig> _configs = new(StringComparer.Ordinal);

    /// <summary>Adds or replaces the group's config.</summary>
    public void Add(GroupConfig config) => _configs[config.GroupName] = config;

    public Task<GroupConfigLookup> GetAsync(string groupName, CancellationToken cancellationToken) =>
        Task.FromResult(_configs.TryGetValue(groupName, out GroupConfig? config)
            ? GroupConfigLookup.ManagedBy(config)
            : GroupConfigLookup.NotManaged(notManagedReason));
}
