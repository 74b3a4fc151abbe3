namespace MaxGroup.Integration.Tests.Deployment;

/// <summary>
/// `sam build` with `BuildMethod: makefile` runs `make build-&lt;LogicalId&gt; ARTIFACTS_DIR=...` per function. These
/// tests ask make what it would run (`make -n`), so they are fast and need no AOT publish, and read samconfig.toml
/// as the sam CLI does.
/// </summary>
public sealed class SamBuildTests
{
    [Fact]
    public async Task Makefile_AllFunctionTargets_PublishTheBootstrapOnceAndCopyItToEach()
    {
        string[] functions = await FunctionLogicalIdsAsync();
        // Only planned (make -n), never written: the folder need not exist.
        string artifacts = Path.Combine(Path.GetTempPath(), $"maxgroup-artifacts-{Guid.NewGuid():N}");

        // -B: plan as if nothing were built yet, so the publish step shows however fresh the local build is.
        ToolResult result = await ToolProcess.RunAsync(
            "make",
            ["-n", "-B", .. functions.Select(f => $"build-{f}"), $"ARTIFACTS_DIR={artifacts}"],
            TimeSpan.FromMinutes(1));

        Assert.True(result.ExitCode == 0, result.ToString());
        string[] lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string publish = Assert.Single(lines, l => l.StartsWith("dotnet publish", StringComparison.Ordinal));
        Assert.Equal("dotnet publish src/MaxGroup.Functions -c Release -r linux-x64 -o artifacts/bootstrap-publish/linux-x64", publish);
        Assert.Equal(
            functions.Length,
            lines.Count(l => l == $"cp artifacts/bootstrap-publish/linux-x64/bootstrap \"{artifacts}/bootstrap\""));
    }

    [Fact]
    public async Task Makefile_EveryFunction_IsBuiltByMakefileWithAProvidedRuntime()
    {
        JsonElement resources = await TransformedTemplate.ResourcesAsync();

        foreach (string function in await FunctionLogicalIdsAsync())
        {
            JsonElement resource = resources.GetProperty(function);
            Assert.Equal("makefile", resource.GetProperty("Metadata").GetProperty("BuildMethod").GetString());
            Assert.Equal("provided.al2023", resource.GetProperty("Properties").GetProperty("Runtime").GetString());

            ToolResult plan = await ToolProcess.RunAsync("make", ["-n", $"build-{function}", "ARTIFACTS_DIR=/tmp/x"], TimeSpan.FromMinutes(1));
            Assert.True(plan.ExitCode == 0, $"build-{function}: {plan}");
        }
    }

    [Fact]
    public async Task Makefile_WithoutArtifactsDir_Fails()
    {
        // A target run by hand must not copy the bootstrap to "/bootstrap". A tiny stand-in for the published
        // binary keeps the publish step out of the picture (make sees it as up to date only with -o).
        ToolResult result = await ToolProcess.RunAsync(
            "make",
            ["-o", "artifacts/bootstrap-publish/linux-x64/bootstrap", "build-DispatcherFunction", "ARTIFACTS_DIR="],
            TimeSpan.FromMinutes(1));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("ARTIFACTS_DIR is not set", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Samconfig_Defaults_AreValidTemplateParametersAndDeploySafely()
    {
        ToolResult result = await ToolProcess.RunAsync("python3", [RepositoryPaths.Tool("samconfig_report.py")], TimeSpan.FromMinutes(1));
        Assert.True(result.ExitCode == 0, result.ToString());
        using JsonDocument report = JsonDocument.Parse(result.StandardOutput);
        JsonElement root = report.RootElement;

        Assert.Equal("maxgroup", root.GetProperty("stackName").GetString());
        Assert.Equal(["CAPABILITY_IAM"], root.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));
        Assert.True(root.GetProperty("resolveS3").GetBoolean());
        Assert.True(root.GetProperty("confirmChangeset").GetBoolean());
        // The Makefile shares one publish between the five targets: only safe in the source tree, one at a time.
        Assert.True(root.GetProperty("buildInSource").GetBoolean());
        Assert.False(root.GetProperty("parallel").GetBoolean());

        using JsonDocument template = JsonDocument.Parse(await File.ReadAllTextAsync(await TransformedTemplate.PathAsync()));
        JsonElement parameters = template.RootElement.GetProperty("Parameters");
        foreach (JsonProperty overrideValue in root.GetProperty("parameterOverrides").EnumerateObject())
        {
            Assert.True(parameters.TryGetProperty(overrideValue.Name, out JsonElement parameter), $"{overrideValue.Name} is not a template parameter");
            if (parameter.TryGetProperty("AllowedValues", out JsonElement allowed))
            {
                Assert.Contains(overrideValue.Value.GetString(), allowed.EnumerateArray().Select(a => a.ValueKind == JsonValueKind.String ? a.GetString() : a.GetRawText()));
            }
        }
    }

    private static async Task<string[]> FunctionLogicalIdsAsync()
    {
        JsonElement resources = await TransformedTemplate.ResourcesAsync();
        return [.. resources.EnumerateObject().Where(r => r.Value.GetProperty("Type").GetString() == "AWS::Lambda::Function").Select(r => r.Name).Order(StringComparer.Ordinal)];
    }
}
