namespace MaxGroup.Functions.Runtime;

/// <summary>The real process environment.</summary>
public sealed class SystemEnvironmentVariables : IEnvironmentVariables
{
    public static SystemEnvironmentVariables Instance { get; } = new();

    public string? Get(string name)
    {
        string? value = Environment.GetEnvironmentVariable(name);
        return string.IsNullOrEmpty(value) ? null : value;
    }

    public void Set(string name, string? value) => Environment.SetEnvironmentVariable(name, value);
}
