namespace MaxGroup.Integration.Tests.Bench;

/// <summary>A long-running benchmark: runs only with MAXGROUP_BENCH=1 (bench/run.sh sets it), kept out of the default test run.</summary>
public sealed class BenchFactAttribute : FactAttribute
{
    public BenchFactAttribute()
    {
        if (!BenchArtifacts.Enabled)
        {
            Skip = $"Benchmark off (takes minutes against moto): run bench/run.sh, or set {BenchArtifacts.EnableVariable}=1 " +
                "(sizes: MAXGROUP_BENCH_WARNINGS, MAXGROUP_BENCH_GROUPS, MAXGROUP_BENCH_CONCURRENCY).";
        }
    }
}
