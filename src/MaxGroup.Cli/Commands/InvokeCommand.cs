using System.CommandLine;
using MaxGroup.Cli.Local;
using MaxGroup.Core.Events;
using MaxGroup.Functions.Handlers;
using MaxGroup.Functions.Observability;
using MaxGroup.Functions.Runtime;
using MaxGroup.Functions.Wiring;

namespace MaxGroup.Cli.Commands;

/// <summary>
/// `maxgroup invoke FUNCTION --event FILE [--inline] [--dry-run]`: runs the function's handler in-process through
/// the same catalog and <see cref="FunctionInvocation"/> the Lambda bootstrap uses, against whatever AWS_ENDPOINT_URL
/// names. Prints the response on stdout; logs go to stderr as Powertools JSON lines.
/// </summary>
public static class InvokeCommand
{
    public static Command Create()
    {
        var function = new Argument<string>("function")
        {
            // The one table of function names the bootstrap's catalog serves, not a list kept by hand: preaction was once missing here.
            Description = $"the function to run: {string.Join(", ", HandlerNames.All)}",
        };
        var eventFile = new Option<FileInfo>("--event", "-e")
        {
            Description = "the event JSON file (see events/)",
            Required = true,
        };
        var inline = new Option<bool>("--inline")
        {
            Description = "dispatcher: run the remediation functions in-process and return when they are done",
        };
        var dryRun = new Option<bool>("--dry-run")
        {
            Description = "compute and log the plan, change nothing",
        };

        var command = new Command("invoke", "run one function's handler locally, exactly as Lambda runs it");
        command.Arguments.Add(function);
        command.Options.Add(eventFile);
        command.Options.Add(inline);
        command.Options.Add(dryRun);
        command.SetAction((parsed, cancellationToken) => RunAsync(
            parsed.GetRequiredValue(function),
            parsed.GetRequiredValue(eventFile),
            new InvocationOptions { Inline = parsed.GetValue(inline), DryRun = parsed.GetValue(dryRun) },
            parsed.InvocationConfiguration.Output,
            parsed.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    public static async Task<int> RunAsync(string function, FileInfo eventFile, InvocationOptions options, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(eventFile);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);

        string input;
        try
        {
            input = await File.ReadAllTextAsync(eventFile.FullName, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync(CliErrors.Format($"cannot read event file {eventFile.FullName}: {ex.Message}")).ConfigureAwait(false);
            return CliErrors.UsageExitCode;
        }

        // Before anything that needs AWS settings (the host creates its clients on first use): a wrong name or a malformed
        // event is reported as such, with no region set.
        using var host = new LocalFunctionHost(options, LogSink.StandardError);
        if (!host.Catalog.Contains(function))
        {
            await error.WriteLineAsync(CliErrors.Format(host.Catalog.DescribeUnknown(function))).ConfigureAwait(false);
            return CliErrors.UsageExitCode;
        }

        if (CheckEvent(function, input) is string problem)
        {
            await error.WriteLineAsync(CliErrors.Format(problem)).ConfigureAwait(false);
            return CliErrors.InvalidEventExitCode;
        }

        InvocationResult result;
        try
        {
            result = await host.InvokeAsync(function, input, cancellationToken).ConfigureAwait(false);
        }
        catch (UnknownHandlerException ex)
        {
            await error.WriteLineAsync(CliErrors.Format(ex.Message)).ConfigureAwait(false);
            return CliErrors.UsageExitCode;
        }

        if (!result.Succeeded)
        {
            await error.WriteLineAsync(CliErrors.Format(result.Error.ErrorMessage)).ConfigureAwait(false);
            return CliErrors.FailureExitCode;
        }

        await output.WriteLineAsync(result.Body).ConfigureAwait(false);
        return 0;
    }

    /// <summary>The event's problem as the function itself would report it, or null when the function can take it.</summary>
    public static string? CheckEvent(string function, string input)
    {
        try
        {
            switch (function)
            {
                case HandlerNames.Dispatcher:
                    EventParser.Parse(input);
                    break;
                case HandlerNames.Preaction:
                    PreactionHandler.ReadInput(input);
                    break;
                // Two functions take events beside requests: volume those the dispatcher forwards to it (state change,
                // launch, sweep), replace the Spot warning straight from EventBridge (any other event it answers NoOp).
                // An event is checked by this parse (it throws as the function would), anything else as a request.
                case HandlerNames.Volume or HandlerNames.Replace when EventParser.ParseIfEvent(input) is not null:
                    break;
                default:
                    string step = RemediationHandler.Deserialize(input).Step;
                    if (step != function)
                    {
                        return $"request is for step \"{step}\", this function runs \"{function}\"";
                    }

                    break;
            }

            return null;
        }
        catch (EventParseException ex)
        {
            return ex.Message;
        }
        catch (InvalidOperationException ex)
        {
            return ex.Message;
        }
    }
}
