using System.Diagnostics;

namespace MaxGroup.Integration.Tests.Runtime;

/// <summary>
/// Runs test/tools/fun-invoke.js: @vercel/fun serves the bootstrap as a `provided` function, the payloads are invoked
/// in order in one execution environment, and the results and the bootstrap's log lines come back.
/// </summary>
internal static class FunEmulator
{
    public static string ToolsDirectory => Path.Combine(RepositoryPaths.Root, "test", "tools");

    public static async Task<FunRun> InvokeAsync(string directory, string handler, IReadOnlyDictionary<string, string> environment, params string[] payloads)
    {
        string package = Path.Combine(ToolsDirectory, "node_modules", "@vercel", "fun", "package.json");
        if (!File.Exists(package))
        {
            throw new InvalidOperationException($"@vercel/fun is not installed ({package} is missing): run `npm install --prefix test/tools` (.ci/run does this).");
        }

        string spec = Path.Combine(Path.GetTempPath(), $"maxgroup-fun-{Guid.NewGuid():N}.json");
        // Results go to their own file: on the shared stdout a result line could land inside a log line.
        string resultsPath = spec + ".results";
        await File.WriteAllTextAsync(spec, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["directory"] = directory,
            ["handler"] = handler,
            ["environment"] = environment,
            ["payloads"] = payloads,
            ["timeoutSeconds"] = 90,
            ["resultsPath"] = resultsPath,
        }));
        try
        {
            var start = new ProcessStartInfo("node", [Path.Combine(ToolsDirectory, "fun-invoke.js"), spec])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using Process process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"fun-invoke.js did not finish in 120 s: {await stderr}");
            }

            string output = await stdout;
            string errors = await stderr;
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"fun-invoke.js exited with {process.ExitCode}: {errors}\n{output}");
            }

            var results = new List<FunResult>();
            var logs = new List<JsonElement>();
            string[] resultLines = File.Exists(resultsPath) ? await File.ReadAllLinesAsync(resultsPath) : [];
            foreach (string line in resultLines.Where(l => l.Length > 0))
            {
                using JsonDocument doc = JsonDocument.Parse(line);
                JsonElement r = doc.RootElement;
                results.Add(new FunResult(
                    r.GetProperty("StatusCode").GetInt32(),
                    r.GetProperty("FunctionError").ValueKind == JsonValueKind.Null ? null : r.GetProperty("FunctionError").GetString(),
                    r.GetProperty("Payload").GetString() ?? ""));
            }

            foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                if (line.StartsWith('{'))
                {
                    using JsonDocument doc = JsonDocument.Parse(line);
                    logs.Add(doc.RootElement.Clone());
                }
            }

            return new FunRun(results, logs, errors);
        }
        finally
        {
            File.Delete(spec);
            File.Delete(resultsPath);
        }
    }
}

internal sealed record FunResult(int StatusCode, string? FunctionError, string Payload);

internal sealed record FunRun(IReadOnlyList<FunResult> Results, IReadOnlyList<JsonElement> Logs, string StandardError);
