namespace MaxGroup.Functions.Runtime;

/// <summary>Process environment behind an interface, so the loop and the composition root can be tested without touching the real one.</summary>
public interface IEnvironmentVariables
{
    /// <summary>The value, or null when unset or empty.</summary>
    string? Get(string name);

    /// <summary>Sets the variable; null removes it.</summary>
    void Set(string name, string? value);
}
