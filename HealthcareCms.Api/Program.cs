using HealthcareCms.Api.Access;
using HealthcareCms.Api.Audit;
using HealthcareCms.Api.Content;
using HealthcareCms.Api.Data;
using HealthcareCms.Api.Documentation;
using HealthcareCms.Api.Gateway;
using HealthcareCms.Api.Identity;
using HealthcareCms.Api.Lgpd;
using HealthcareCms.Api.Phi;
using HealthcareCms.Api.Status;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddManagementEndpoint();
builder.AddApiDocumentation();

builder.AddCmsDatabase();
builder.AddCmsIdentity();
builder.AddStatusServices();
builder.AddContent();
builder.AddPhi();
builder.AddLgpd();
builder.AddAccessEnforcement();
builder.AddGateway();

var app = builder.Build();

if (args.Contains(DatabaseMigrator.MigrateOnlyArgument))
{
    return await DatabaseMigrator.RunOnceAsync(app.Services);
}

app.UseSecurityHeaders();
app.UseServiceDefaults();
app.UseCmsIdentity();

app.MapDefaultEndpoints();
app.MapApiDocumentation();
app.MapIdentityApi();
app.MapContentApi();
app.MapPhiApi();
app.MapLgpdApi();
app.MapAuditApi();
app.MapLiveHub();
app.MapStatusApi();
app.MapGateway();

await app.RunAsync();
return 0;
