using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

// The percentile columns show the distribution of per-invocation times across iterations; P95 and Max (P100)
// bound the p99 from above. Run: dotnet run -c Release --project bench/HealthcareCms.Benchmarks -- --job short
var config = DefaultConfig.Instance
    .AddColumn(StatisticColumn.P50, StatisticColumn.P95, StatisticColumn.Max);
BenchmarkSwitcher.FromAssembly(typeof(HealthcareCms.Benchmarks.PolicyEvaluationBenchmarks).Assembly).Run(args, config);
