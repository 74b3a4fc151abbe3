namespace MaxGroup.Cli;

/// <summary>How every command reports a failure: exit code and one `error: reason` line.</summary>
public static class CliErrors
{
    /// <summary>The command ran and failed (the handler failed).</summary>
    public const int FailureExitCode = 1;

    /// <summary>The command line itself was wrong (unknown option, missing argument, unknown function).</summary>
    public const int UsageExitCode = 2;

    /// <summary>The event given to `invoke` is not one the function accepts (checked before any AWS setting is needed).</summary>
    public const int InvalidEventExitCode = 3;

    /// <summary>"error: " and the reason folded onto one line.</summary>
    public static string Format(string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        string oneLine = string.Join(' ', reason.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return $"error: {oneLine}";
    }
}
