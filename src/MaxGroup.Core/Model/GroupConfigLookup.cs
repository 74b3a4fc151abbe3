namespace MaxGroup.Core.Model;

/// <summary>
/// Whether MaxGroup manages a group and with which configuration. <see cref="Reason"/> says why a group is not
/// managed (no config, `enabled: false`, `ignore_tag`, invalid config...) and is logged with the no-op.
/// </summary>
public sealed record GroupConfigLookup(bool Managed, GroupConfig? Config, string Reason)
{
    public static GroupConfigLookup ManagedBy(GroupConfig config, string reason = "managed") => new(true, config, reason);

    public static GroupConfigLookup NotManaged(string reason) => new(false, null, reason);
}
