using System.CommandLine;
using MaxGroup.Core.Config;
using MaxGroup.Core.Ports;

namespace MaxGroup.Cli.Commands;

/// <summary>`maxgroup validate &lt;file | s3://bucket/key&gt;...`: checks config files before upload; exit 0 when all are valid.</summary>
public static class ValidateCommand
{
    public static Command Create() => Create(ConfigCommandServices.Default);

    public static Command Create(ConfigCommandServices services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var targets = new Argument<string[]>("targets")
        {
            Description = "Per-group files or service_config.json files: local paths or s3://bucket/key",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("validate", "Validate group config files (per-group JSON or the original service_config.json); exit 1 on any error")
        {
            targets,
        };
        command.SetAction((parseResult, cancellationToken) =>
            RunAsync(parseResult.GetValue(targets) ?? [], services, parseResult.InvocationConfiguration.Output, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string[] targets, ConfigCommandServices services, TextWriter output, CancellationToken cancellationToken)
    {
        bool allValid = true;
        foreach (string target in targets)
        {
            byte[]? content = await ReadAsync(target, services, output, cancellationToken);
            if (content is null)
            {
                allValid = false;
                continue;
            }

            IReadOnlyList<ConfigProblem> problems = ConfigDocumentParser.Validate(content, target);
            int errors = problems.Count(p => p.IsError);
            int warnings = problems.Count - errors;
            allValid &= errors == 0;
            await output.WriteLineAsync(errors == 0
                ? $"{target}: valid" + (warnings > 0 ? $", {Plural(warnings, "warning")}" : "")
                : $"{target}: invalid, {Plural(errors, "error")}" + (warnings > 0 ? $", {Plural(warnings, "warning")}" : ""));
            foreach (ConfigProblem problem in problems)
            {
                await output.WriteLineAsync("  " + problem);
            }
        }

        return allValid ? 0 : 1;
    }

    private static async Task<byte[]?> ReadAsync(string target, ConfigCommandServices services, TextWriter output, CancellationToken cancellationToken)
    {
        try
        {
            if (S3Uri.TryParse(target, out string bucket, out string key))
            {
                ConfigObjectResult result = await services.StoreForBucket(bucket).GetAsync(key, null, cancellationToken);
                if (result.Status != ConfigObjectStatus.Found)
                {
                    await output.WriteLineAsync($"{target}: not found");
                    return null;
                }

                return result.Content.ToArray();
            }

            var file = new FileInfo(target);
            if (!file.Exists)
            {
                await output.WriteLineAsync($"{target}: not found");
                return null;
            }

            if (file.Length > ConfigLimits.MaxObjectBytes)
            {
                // Let the parser report it, without reading a huge file whole.
                return new byte[ConfigLimits.MaxObjectBytes + 1];
            }

            return await File.ReadAllBytesAsync(target, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await output.WriteLineAsync($"{target}: cannot be read: {ex.Message}");
            return null;
        }
    }

    private static string Plural(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";
}
