namespace MaxGroup.Integration.Tests.Deployment;

/// <summary>
/// template.yaml turned into plain CloudFormation by tools/sam/transform.py (samtranslator, offline), once per
/// test run: what `sam deploy` would hand to CloudFormation, apart from the code location placeholder.
/// </summary>
internal static class TransformedTemplate
{
    private static readonly Lazy<Task<(string Path, JsonDocument Document)>> Transformed = new(TransformAsync);

    /// <summary>Path of the transformed template (JSON) on disk.</summary>
    public static async Task<string> PathAsync() => (await Transformed.Value).Path;

    public static async Task<JsonElement> ResourcesAsync() => (await Transformed.Value).Document.RootElement.GetProperty("Resources");

    private static async Task<(string, JsonDocument)> TransformAsync()
    {
        string output = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"maxgroup-transformed-{Guid.NewGuid():N}.json");
        ToolResult result = await ToolProcess.RunAsync(
            "python3",
            [RepositoryPaths.Tool("transform.py"), "--template", RepositoryPaths.Template, "--output", output],
            TimeSpan.FromMinutes(3));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"transform.py failed: {result}");
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(output);

        return (output, JsonDocument.Parse(await File.ReadAllTextAsync(output)));
    }
}
