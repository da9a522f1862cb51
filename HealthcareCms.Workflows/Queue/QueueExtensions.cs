using HealthcareCms.ServiceDefaults;
using HealthcareCms.Workflows.Pipeline;
using HealthcareCms.Workflows.Plugins;
using HealthcareCms.Workflows.Rules;

namespace HealthcareCms.Workflows.Queue;

public static class QueueExtensions
{
    /// <summary>
    /// The <c>workflow</c> schema: migrated at start-up (default), or — with <c>Database:MigrateOnStartup=false</c>,
    /// as in Kubernetes where a Job runs <c>--migrate-only</c> once per release — only waited for. Readiness
    /// and the queue loops wait for it either way.
    /// </summary>
    public static IHostApplicationBuilder AddWorkflowSchema(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<SchemaState>();
        if (builder.Configuration.GetValue("Database:MigrateOnStartup", true))
        {
            builder.Services.AddHostedService<SchemaMigrationService>();
        }
        else
        {
            builder.Services.AddHostedService<SchemaWaiter>();
        }

        builder.Services.AddHealthChecks().AddCheck<SchemaHealthCheck>("workflow-schema", tags: [HealthTags.Ready]);
        return builder;
    }

    /// <summary>The validation pipeline (rule stages and WASM plugins) and the queue workers that feed it.</summary>
    public static IHostApplicationBuilder AddWorkflowPipeline(this IHostApplicationBuilder builder)
    {
        var queueOptions = builder.Configuration.GetSection(QueueOptions.Section).Get<QueueOptions>() ?? new QueueOptions();
        var pluginOptions = builder.Configuration.GetSection(PluginOptions.Section).Get<PluginOptions>() ?? new PluginOptions();
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = queueOptions.ShutdownTimeout);

        builder.Services.AddSingleton(queueOptions);
        builder.Services.AddSingleton(pluginOptions);
        builder.Services.AddSingleton<JobQueue>();
        builder.Services.AddSingleton<JobSignal>();
        builder.Services.AddSingleton<QueueHealthSnapshot>();
        builder.Services.AddSingleton<WorkflowMetrics>();
        builder.Services.AddSingleton<WasmMetrics>().ResolveAtStart<WasmMetrics>();
        builder.Services.AddSingleton(sp => new WasmSandbox(pluginOptions.Limits, sp.GetRequiredService<WasmMetrics>()));
        builder.Services.AddSingleton(sp => new PluginCatalog(pluginOptions, sp.GetRequiredService<WasmSandbox>(), AppContext.BaseDirectory));

        foreach (var stage in RuleStages.Create())
        {
            builder.Services.AddSingleton(stage);
        }

        builder.Services.AddSingleton<ValidationPipeline>();
        builder.Services.AddSingleton<JobProcessor>();

        builder.Services.AddHostedService<JobNotificationListener>();
        builder.Services.AddHostedService<QueueHealthMonitor>();
        builder.Services.AddHostedService<WorkflowWorker>();
        return builder;
    }
}
