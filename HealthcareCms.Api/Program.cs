using HealthcareCms.Api.Access;
using HealthcareCms.Api.Content;
using HealthcareCms.Api.Data;
using HealthcareCms.Api.Gateway;
using HealthcareCms.Api.Status;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddManagementEndpoint();
builder.Services.AddOpenApi();

builder.AddCmsDatabase();
builder.AddStatusServices();
builder.AddAccessEnforcement();
builder.AddGateway();

var app = builder.Build();

if (args.Contains(DatabaseMigrator.MigrateOnlyArgument))
{
    return await DatabaseMigrator.RunOnceAsync(app.Services);
}

app.UseServiceDefaults();

app.MapDefaultEndpoints();
app.MapOpenApi();
app.MapContentApi();
app.MapStatusApi();
app.MapGateway();

await app.RunAsync();
return 0;
