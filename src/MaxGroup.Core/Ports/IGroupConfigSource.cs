using MaxGroup.Core.Model;

namespace MaxGroup.Core.Ports;

/// <summary>The effective configuration of a group (S3 files and group tags in AWS); the config issue implements it.</summary>
public interface IGroupConfigSource
{
    Task<GroupConfigLookup> GetAsync(string groupName, CancellationToken cancellationToken);
}
