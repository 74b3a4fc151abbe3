using MaxGroup.Core.Config;

namespace MaxGroup.Core.Dispatch;

/// <summary>The effective configuration of a group (S3 files and group tags in AWS); the config issue implements it.</summary>
public interface IGroupConfigSource
{
    Task<GroupConfigLookup> GetAsync(string groupName, CancellationToken cancellationToken);
}

/// <summary>
/// Whether MaxGroup manages a group and with which configuration. <see cref="Reason"/> says why a group is not
/// managed (no config, `enabled: false`, `ignore_tag`, invalid config...) and is logged with the no-op.
/// </summary>
public sealed record GroupConfigLookup(bool Managed, GroupConfig? Config, string Reason)
{
    public static GroupConfigLookup ManagedBy(GroupConfig config, string reason = "managed") => new(true, config, reason);

    public static GroupConfigLookup NotManaged(string reason) => new(false, null, reason);
}
