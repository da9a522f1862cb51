using HealthcareCms.Policy.Decisions;
using HealthcareCms.Policy.Policies;
using HealthcareCms.Policy.Status;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddManagementEndpoint();
builder.Services.AddOpenApi();
builder.AddPolicyDecisions();

var app = builder.Build();

app.UseServiceDefaults();

app.MapDefaultEndpoints();
app.MapOpenApi();
app.MapDecisionsApi();
app.MapPoliciesApi();
app.MapStatusApi();

app.Run();
