namespace HealthcareCms.Workflows.Queue;

public static class QueueExtensions
{
    /// <summary>The <c>workflow</c> schema, migrated at start-up; readiness waits for it.</summary>
    public static IHostApplicationBuilder AddWorkflowSchema(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<SchemaState>();
        builder.Services.AddHostedService<SchemaMigrationService>();
        builder.Services.AddHealthChecks().AddCheck<SchemaHealthCheck>("workflow-schema", tags: [HealthTags.Ready]);
        return builder;
    }
}
