using System.CommandLine;
using MaxGroup.Cli.Commands;

namespace MaxGroup.Cli;

/// <summary>The `maxgroup` command line: every command joins the root with one line in <see cref="CreateRootCommand"/>.</summary>
public static class Program
{
    public static Task<int> Main(string[] args) => RunAsync(args, Console.Out, Console.Error, CancellationToken.None);

    public static RootCommand CreateRootCommand()
    {
        var root = new RootCommand("maxgroup: hand a spot-interrupted instance over to its Auto Scaling group cleanly");
        root.Subcommands.Add(InvokeCommand.Create());
        root.Subcommands.Add(ValidateCommand.Create());
        root.Subcommands.Add(ConfigCommand.Create());
        root.Subcommands.Add(Demo.DemoCommand.Create());
        root.Subcommands.Add(PlanCommand.Create());
        root.Subcommands.Add(HistoryCommand.Create());
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>; tests call this in-process with their own writers.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        ParseResult parsed = CreateRootCommand().Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // One line, as for every other failure; `maxgroup --help` shows the usage.
            await error.WriteLineAsync(CliErrors.Format(parsed.Errors[0].Message)).ConfigureAwait(false);
            return CliErrors.UsageExitCode;
        }

        var configuration = new InvocationConfiguration
        {
            Output = output,
            Error = error,
            // Commands report their own failures as one `error:` line; a stack dump is never shown.
            EnableDefaultExceptionHandler = false,
        };
        try
        {
            return await parsed.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await error.WriteLineAsync(CliErrors.Format(ex.Message)).ConfigureAwait(false);
            return CliErrors.FailureExitCode;
        }
    }
}
