using HealthcareCms.Workflows.Queue;
using HealthcareCms.Workflows.Status;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddManagementEndpoint();
builder.Services.AddOpenApi();
// The worker's own writes (claims, results) commit asynchronously: a PostgreSQL crash can only undo a
// worker transition, and then the job simply runs again (docs/workflows.md, "Durability").
// Appended to the operator's own Options (statement_timeout, search_path, ...), never replacing them.
builder.AddNpgsqlDataSource("cmsdb", configureDataSourceBuilder: dataSource =>
    dataSource.ConnectionStringBuilder.Options =
        $"{dataSource.ConnectionStringBuilder.Options} -c synchronous_commit=off".TrimStart());
builder.AddWorkflowSchema();
builder.AddWorkflowPipeline();
builder.AddWorkerStatus();

var app = builder.Build();

if (args.Contains(SchemaMigrator.MigrateOnlyArgument))
{
    return await SchemaMigrator.RunOnceAsync(app.Services);
}

app.UseServiceDefaults();

app.MapDefaultEndpoints();
app.MapOpenApi();
app.MapStatusApi();

await app.RunAsync();
return 0;
