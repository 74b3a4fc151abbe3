using MaxGroup.Core.Config;

namespace MaxGroup.Core.Dispatch;

/// <summary>The dispatcher's config port over the config issue's <see cref="GroupConfigProvider"/> (S3 files and group tags).</summary>
public sealed class ProviderGroupConfigSource : IGroupConfigSource
{
    private readonly GroupConfigProvider _provider;

    public ProviderGroupConfigSource(GroupConfigProvider provider)
    {
        _provider = provider;
    }

    public async Task<GroupConfigLookup> GetAsync(string groupName, CancellationToken cancellationToken)
    {
        ConfigLookup lookup = await _provider.GetAsync(groupName, cancellationToken);
        return lookup.Managed
            ? GroupConfigLookup.ManagedBy(lookup.Config, lookup.Description)
            : GroupConfigLookup.NotManaged(lookup.Description);
    }
}
