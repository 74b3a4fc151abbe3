namespace MaxGroup.Integration.Tests.Deployment;

/// <summary>cfn-lint (the AWS CloudFormation linter, which also expands the SAM transform) over template.yaml.</summary>
public sealed class TemplateLintTests
{
    [Fact]
    public async Task CfnLint_Template_ReportsNoErrorsOrWarnings()
    {
        // Without --non-zero-exit-code overrides, cfn-lint exits non-zero for errors (2), warnings (4) and
        // informational findings (8), and prints each finding.
        ToolResult result = await ToolProcess.RunAsync("cfn-lint", [RepositoryPaths.Template], TimeSpan.FromMinutes(5));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(string.IsNullOrWhiteSpace(result.StandardOutput), result.ToString());
    }

    [Fact]
    public async Task CfnLint_TemplateWithUnknownRuntime_ReportsIt()
    {
        // Guards the test above against a linter that silently checks nothing: a known defect must be reported.
        string broken = Path.Combine(Path.GetTempPath(), $"maxgroup-broken-{Guid.NewGuid():N}.yaml");
        string template = await File.ReadAllTextAsync(RepositoryPaths.Template);
        await File.WriteAllTextAsync(broken, template.Replace("Runtime: provided.al2023", "Runtime: provided.al2099", StringComparison.Ordinal));
        try
        {
            ToolResult result = await ToolProcess.RunAsync("cfn-lint", [broken], TimeSpan.FromMinutes(5));

            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("provided.al2099", result.StandardOutput, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(broken);
        }
    }
}
