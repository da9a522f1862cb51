using HealthcareCms.Api.Audit;
using HealthcareCms.Api.Content;
using HealthcareCms.Api.Data;
using HealthcareCms.Api.Identity;
using HealthcareCms.Api.Lgpd;
using HealthcareCms.Api.Phi;
using HealthcareCms.Api.Status;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddManagementEndpoint();
builder.Services.AddOpenApi();

builder.AddCmsDatabase();
builder.AddCmsIdentity();
builder.AddStatusServices();
builder.AddContent();
builder.AddPhi();
builder.AddLgpd();

var app = builder.Build();

if (args.Contains(DatabaseMigrator.MigrateOnlyArgument))
{
    return await DatabaseMigrator.RunOnceAsync(app.Services);
}

app.UseSecurityHeaders();
app.UseServiceDefaults();
app.UseCmsIdentity();

app.MapDefaultEndpoints();
app.MapOpenApi();
app.MapIdentityApi();
app.MapContentApi();
app.MapPhiApi();
app.MapLgpdApi();
app.MapAuditApi();
app.MapLiveHub();
app.MapStatusApi();

await app.RunAsync();
return 0;
