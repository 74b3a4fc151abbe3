namespace MaxGroup.Core.Config;

/// <summary>One key's value as one source gives it, with the path it was read from (for problems) and the source.</summary>
public sealed record ConfigEntry(string Key, ConfigValue Value, string Path, ConfigSource Source);
