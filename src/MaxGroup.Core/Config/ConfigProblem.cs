namespace MaxGroup.Core.Config;

/// <summary>One finding of configuration validation: where (JSON path or tag), what, and how to fix it.</summary>
public sealed record ConfigProblem(string Path, string Message, string? Hint = null, ConfigSeverity Severity = ConfigSeverity.Error)
{
    public bool IsError => Severity == ConfigSeverity.Error;

    /// <summary>The object or tag set the problem was found in (set when problems of several sources are merged).</summary>
    public string? Location { get; init; }

    /// <summary>Like <see cref="ToString"/>, prefixed with <see cref="Location"/> when known (for logs).</summary>
    public string ToLocatedString() => Location is null ? ToString() : Location + " " + ToString();

    /// <summary>`path: problem (hint)`, the form the CLI prints and the logs carry.</summary>
    public override string ToString()
    {
        string prefix = Severity == ConfigSeverity.Warning ? "warning: " : "";
        return Hint is null ? $"{Path}: {prefix}{Message}" : $"{Path}: {prefix}{Message} ({Hint})";
    }
}

/// <summary>An error makes a config unusable (the group is not acted on); a warning is logged and the config used.</summary>
public enum ConfigSeverity
{
    Error,
    Warning,
}
