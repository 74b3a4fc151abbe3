using MaxGroup.Integration.Tests.Deployment;
using MaxGroup.Integration.Tests.Runtime;

namespace MaxGroup.Integration.Tests.Bench;

/// <summary>
/// bench/coldstart.py, one short run against the published Native AOT bootstrap and moto: the harness serves a Spot
/// warning for a group with no MaxGroup config through its own Runtime API stand-in, and records both clocks. In the
/// moto collection because the bootstrap fixture publishes into a shared directory (one publisher at a time).
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class ColdStartHarnessTests : IClassFixture<BootstrapFixture>
{
    private static readonly string Script = Path.Combine(Deployment.RepositoryPaths.Root, "bench", "coldstart.py");
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    private readonly BootstrapFixture _bootstrap;
    private readonly MotoFixture _moto;

    public ColdStartHarnessTests(BootstrapFixture bootstrap, MotoFixture moto)
    {
        _bootstrap = bootstrap;
        _moto = moto;
    }

    [Fact]
    public async Task ColdStart_AotBootstrapUnmanagedGroup_RecordsInitAndFirstResponse()
    {
        await _moto.ResetAsync();
        string json = Path.Combine(Path.GetTempPath(), $"maxgroup-coldstart-{Guid.NewGuid():N}.json");
        try
        {
            ToolResult result = await ToolProcess.RunAsync(
                "python3",
                [Script, "--runs", "1", "--endpoint", _moto.Endpoint, "--json", json, "--size", $"AOT={_bootstrap.BootstrapPath}", $"AOT={_bootstrap.BootstrapPath}"],
                Timeout);

            // The script itself fails unless the bootstrap answered NoOp "group is not managed" on /response.
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains("(no MaxGroup config)", result.StandardOutput, StringComparison.Ordinal);
            using JsonDocument figures = JsonDocument.Parse(File.ReadAllText(json));
            JsonElement aot = figures.RootElement.GetProperty("variants").GetProperty("AOT");
            double init = aot.GetProperty("init_ms").GetProperty("median").GetDouble();
            double response = aot.GetProperty("response_ms").GetProperty("median").GetDouble();
            Assert.InRange(init, 0.1, 60_000);
            Assert.True(response > init, $"first response at {response} ms, before the first request at {init} ms");
            Assert.Equal(new FileInfo(_bootstrap.BootstrapPath).Length, aot.GetProperty("size_bytes").GetInt64());
        }
        finally
        {
            File.Delete(json);
        }
    }
}
