namespace MaxGroup.Integration.Tests.Bench;

/// <summary>Writes a benchmark's table under artifacts/bench/ at the repository root, for bench/run.sh to collect.</summary>
internal static class BenchArtifacts
{
    public const string EnableVariable = "MAXGROUP_BENCH";

    public static bool Enabled => Environment.GetEnvironmentVariable(EnableVariable) == "1";

    public static void Write(string name, string content)
    {
        string directory = Path.Combine(Deployment.RepositoryPaths.Root, "artifacts", "bench");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, name), content);
    }
}
