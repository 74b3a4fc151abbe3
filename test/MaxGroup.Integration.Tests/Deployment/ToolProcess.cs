using System.Diagnostics;

namespace MaxGroup.Integration.Tests.Deployment;

/// <summary>Runs a command-line tool (python3, cfn-lint, make) to completion and captures what it printed.</summary>
internal static class ToolProcess
{
    /// <summary>Runs <paramref name="fileName"/> with <paramref name="arguments"/>; a run longer than <paramref name="timeout"/> is killed and throws.</summary>
    /// <param name="fileName">The tool.</param>
    /// <param name="arguments">Its arguments, one each, never split.</param>
    /// <param name="timeout">How long it may run.</param>
    /// <param name="workingDirectory">Null = the repository root.</param>
    /// <param name="environment">Variables to set for the tool; a null value removes the variable.</param>
    public static async Task<ToolResult> RunAsync(
        string fileName, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? RepositoryPaths.Root,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The tools talk to moto only; give them the same fake credentials the fixture gives the SDK clients.
        start.Environment["AWS_ACCESS_KEY_ID"] = "testing";
        start.Environment["AWS_SECRET_ACCESS_KEY"] = "testing";
        start.Environment["AWS_DEFAULT_REGION"] = "us-east-1";
        foreach ((string name, string? value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish within {timeout}");
        }

        return new ToolResult(process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>Exit code and output of one tool run; <see cref="ToString"/> is written for assertion messages.</summary>
internal sealed record ToolResult(int ExitCode, string StandardOutput, string StandardError)
{
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append("exit code ").Append(ExitCode).AppendLine();
        text.AppendLine("stdout:").AppendLine(StandardOutput);
        text.AppendLine("stderr:").AppendLine(StandardError);
        return text.ToString();
    }
}
