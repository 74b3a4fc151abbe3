using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// A short in-process job: the machines here are shared and loaded, and a separate generated project per run would
// cost minutes of build before the first measurement. Pass BenchmarkDotNet options after `--` (e.g. --filter '*').
IConfig config = DefaultConfig.Instance
    .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("ShortInProcess"))
    .AddDiagnoser(MemoryDiagnoser.Default)
    // Medians and spreads: on a loaded machine the mean alone hides how noisy a figure is.
    .AddColumn(StatisticColumn.Median, StatisticColumn.Min, StatisticColumn.Max);
BenchmarkSwitcher.FromAssembly(typeof(MaxGroup.Benchmarks.DispatcherBenchmarks).Assembly).Run(args, config);
return 0;
