namespace MaxGroup.Core.Config;

/// <summary>
/// The original max_group's service_config.json: its `groups` entries, the one `global` setting MaxGroup uses, and the
/// problems of the file's own structure (which make every group from it unusable).
/// </summary>
public sealed record LegacyConfigDocument(
    string Location,
    IReadOnlyDictionary<string, GroupConfigSource> Groups,
    GroupConfigSource Global,
    IReadOnlyList<ConfigProblem> Problems)
{
    public bool HasStructuralErrors => Problems.Any(p => p.IsError);
}
