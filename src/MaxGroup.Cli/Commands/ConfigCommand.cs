using System.CommandLine;
using MaxGroup.Core.Config;
using Microsoft.Extensions.Logging.Abstractions;

namespace MaxGroup.Cli.Commands;

/// <summary>`maxgroup config show &lt;group&gt;`: a group's effective config with each value's source, read as the functions read it.</summary>
public static class ConfigCommand
{
    public static Command Create() => Create(ConfigCommandServices.Default);

    public static Command Create(ConfigCommandServices services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var group = new Argument<string>("group") { Description = "Auto Scaling group name" };
        var show = new Command("show", "Print a group's effective config, each value with its source (per-group file, service_config.json, tag or default)")
        {
            group,
        };
        show.SetAction((parseResult, cancellationToken) =>
            ShowAsync(parseResult.GetValue(group)!, services, parseResult.InvocationConfiguration.Output, cancellationToken));
        return new Command("config", "Inspect group configuration") { show };
    }

    private static async Task<int> ShowAsync(string groupName, ConfigCommandServices services, TextWriter output, CancellationToken cancellationToken)
    {
        GroupConfigOptions options;
        try
        {
            options = GroupConfigOptions.FromEnvironment(services.GetVariable);
        }
        catch (InvalidOperationException ex)
        {
            await output.WriteLineAsync(ex.Message);
            return 2;
        }

        var autoScaling = services.AutoScaling();
        var provider = new GroupConfigProvider(services.StoreForBucket(options.Bucket), autoScaling, options, services.Time, NullLogger.Instance, Core.Ports.NullMetrics.Instance);
        ConfigLookup lookup = await provider.GetAsync(groupName, cancellationToken);

        await WriteLookupAsync(groupName, lookup, options, tagsRead: autoScaling is not null, output, indent: "");

        return lookup.Reason is ConfigLookupReason.Invalid or ConfigLookupReason.SourceUnavailable ? 1 : 0;
    }

    /// <summary>The verdict, the sources in precedence order, each value with its source, and any problems: shared by `config show` and `plan`.</summary>
    internal static async Task WriteLookupAsync(string groupName, ConfigLookup lookup, GroupConfigOptions options, bool tagsRead, TextWriter output, string indent)
    {
        await output.WriteLineAsync($"{indent}group {groupName}: {Verdict(lookup)}");
        await output.WriteLineAsync($"{indent}sources: {options.Describe(options.GroupKey(groupName))} > {options.Describe(options.LegacyKey)} > "
            + (!tagsRead ? "tags (not read: no AutoScaling client in this build)" : "tags spotmax:*"));
        if (lookup.Reason != ConfigLookupReason.SourceUnavailable)
        {
            await output.WriteLineAsync($"{indent}defaults: " + (lookup.Generation == ConfigGeneration.SpotmaxTags
                ? "the spotmax:* tag generation's (only tags configure the group)"
                : "the service_config.json generation's (a file configures the group)"));
            var rows = new List<(string Key, string Value, string Source)>();
            foreach (ConfigKey key in GroupConfigKeys.All)
            {
                ConfigValue? value = key.Read(lookup.Config);
                rows.Add((key.Name, value?.ToString() ?? "(unset)", lookup.Sources[key.Name].ToString()));
            }

            foreach (ConfigEntry entry in lookup.Entries.Values.Where(e => GroupConfigKeys.TryParseAlternative(e.Key, out _)).OrderBy(e => e.Key.Length).ThenBy(e => e.Key, StringComparer.Ordinal))
            {
                rows.Add((entry.Key, entry.Value.ToString(), entry.Source.ToString()));
            }

            int keyWidth = rows.Max(r => r.Key.Length) + 2;
            int valueWidth = Math.Min(40, rows.Max(r => r.Value.Length)) + 2;
            foreach ((string key, string value, string source) in rows)
            {
                string shown = value.Length > 40 ? value[..37] + "..." : value;
                await output.WriteLineAsync($"{indent}  {key.PadRight(keyWidth)}{shown.PadRight(valueWidth)}{source}");
            }
        }

        if (lookup.Problems.Count > 0)
        {
            await output.WriteLineAsync(indent + "problems:");
            foreach (ConfigProblem problem in lookup.Problems)
            {
                await output.WriteLineAsync(indent + "  " + problem.ToLocatedString());
            }
        }
    }

    internal static string Verdict(ConfigLookup lookup) => lookup.Reason switch
    {
        ConfigLookupReason.Managed => "managed" + (lookup.Config.DryRun ? " (dry run)" : ""),
        ConfigLookupReason.NotConfigured => "not managed (no source configures it)",
        ConfigLookupReason.Disabled => "not managed (switched off by enabled: false or ignore_tag: true)",
        ConfigLookupReason.Invalid => "NOT MANAGED: the config is invalid and is never acted on",
        _ => "unknown: a source could not be read",
    };
}
