using HealthcareCms.Api.Content;
using HealthcareCms.Api.Data;
using HealthcareCms.Api.Slo;
using HealthcareCms.Api.Status;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddManagementEndpoint();
builder.Services.AddOpenApi();

builder.AddCmsDatabase();
builder.AddStatusServices();
builder.AddSloServices();

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
// Admin only: identity's policy is added where identity is wired, app.MapSloApi().RequireAuthorization(Policies.Admin).
app.MapSloApi();

await app.RunAsync();
return 0;
