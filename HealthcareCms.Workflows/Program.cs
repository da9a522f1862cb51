using HealthcareCms.Workflows.Queue;
using HealthcareCms.Workflows.Status;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddManagementEndpoint();
builder.Services.AddOpenApi();
builder.AddNpgsqlDataSource("cmsdb");
builder.AddWorkflowSchema();
builder.AddWorkflowPipeline();
builder.AddWorkerStatus();

var app = builder.Build();

app.UseServiceDefaults();

app.MapDefaultEndpoints();
app.MapOpenApi();
app.MapStatusApi();

app.Run();
