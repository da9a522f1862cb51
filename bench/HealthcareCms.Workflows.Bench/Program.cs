// Workflow throughput harness: run with
//   dotnet run -c Release --project bench/HealthcareCms.Workflows.Bench [-- --connection "<PostgreSQL connection string>"]
// Without a connection string it measures the WASM call overhead and the in-process pipeline throughput;
// with one it also measures the durable queue end to end (claim → all stages → result written) and the
// submit-to-result latency at 50 submissions/s. The target database gets the workflow schema and is
// emptied of workflow jobs first: never point it at a database whose jobs matter.
using System.Diagnostics;
using HealthcareCms.Workflows.Bench;
using HealthcareCms.Workflows.Pipeline;
using HealthcareCms.Workflows.Plugins;
using HealthcareCms.Workflows.Queue;
using HealthcareCms.Workflows.Rules;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

var connection = args.SkipWhile(a => a != "--connection").Skip(1).FirstOrDefault();
var seconds = double.Parse(args.SkipWhile(a => a != "--seconds").Skip(1).FirstOrDefault() ?? "5", System.Globalization.CultureInfo.InvariantCulture);

using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
var meterFactory = services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
var pluginOptions = new ConfigurationBuilder()
    .AddJsonFile(Path.Combine(Repository.Root, "HealthcareCms.Workflows", "appsettings.json"))
    .Build().GetSection(PluginOptions.Section).Get<PluginOptions>()!;
using var sandbox = new WasmSandbox(pluginOptions.Limits, new WasmMetrics(meterFactory));
using var catalog = new PluginCatalog(pluginOptions, sandbox, AppContext.BaseDirectory);
var workflowMetrics = new WorkflowMetrics(meterFactory, new QueueHealthSnapshot());
var pipeline = new ValidationPipeline(RuleStages.Create(), catalog, sandbox,
    workflowMetrics, NullLogger<ValidationPipeline>.Instance);

Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}, Server GC: {System.Runtime.GCSettings.IsServerGC}");

// 1. WASM call overhead: a plugin that does nothing, so the time is the sandbox's (fresh store and
//    instance, fuel and epoch set-up, alloc, copy-in, call, result checks).
using (var empty = sandbox.CompileText("other", Posts.EmptyPlugin))
{
    Measure("WASM call overhead (empty plugin, empty text)", 100_000, () => sandbox.Invoke(empty, ""));
    Measure("WASM call overhead (empty plugin, 1.5 KB post)", 100_000, () => sandbox.Invoke(empty, Posts.Typical));
}

foreach (var plugin in catalog.For("cardiology"))
{
    Measure($"plugin {plugin.Name} on a 1.5 KB post", 50_000, () => sandbox.Invoke(plugin, Posts.Typical));
}

// 2. The pipeline in process: LGPD → medical → CFM → the category's plugins, on every core.
var documents = Posts.Mix.Select(p => new WorkflowDocument(p)).ToArray();
foreach (var d in documents)
{
    pipeline.Run(d);
}

var processed = 0L;
var stopwatch = Stopwatch.StartNew();
Parallel.For(0, Environment.ProcessorCount, worker =>
{
    var i = worker;
    while (stopwatch.Elapsed.TotalSeconds < seconds)
    {
        pipeline.Run(documents[i++ % documents.Length]);
        Interlocked.Increment(ref processed);
    }
});
Console.WriteLine($"Pipeline in process ({string.Join(", ", pipeline.StagesFor("cardiology"))}): " +
                  $"{processed / stopwatch.Elapsed.TotalSeconds:F0} posts/s on {Environment.ProcessorCount} threads");

// 3. The durable queue end to end.
if (connection is not null)
{
    var workers = int.Parse(args.SkipWhile(a => a != "--workers").Skip(1).FirstOrDefault() ?? new QueueOptions().Workers.ToString(),
        System.Globalization.CultureInfo.InvariantCulture);
    await QueueBench.RunAsync(connection, new QueueOptions { Workers = workers }, pipeline, workflowMetrics);
}

static void Measure(string name, int iterations, Action call)
{
    for (var i = 0; i < Math.Min(iterations / 10, 5_000); i++)
    {
        call();
    }

    var samples = new double[iterations];
    var total = Stopwatch.StartNew();
    for (var i = 0; i < iterations; i++)
    {
        var start = Stopwatch.GetTimestamp();
        call();
        samples[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
    }

    Array.Sort(samples);
    Console.WriteLine($"{name}: mean {total.Elapsed.TotalMicroseconds / iterations:F1} µs, p50 {samples[iterations / 2]:F1} µs, " +
                      $"p99 {samples[(int)(iterations * 0.99)]:F1} µs ({iterations} calls)");
}
