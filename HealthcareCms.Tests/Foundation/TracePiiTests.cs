using System.Diagnostics;
using HealthcareCms.ServiceDefaults.Correlation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Logs;
using OpenTelemetry.Trace;

namespace HealthcareCms.Tests.Foundation;

/// <summary>
/// The service defaults' traces and logs, exported for real (in-memory exporters on the same pipeline the OTLP
/// exporter uses), carry no personal data that a request brings in its path, query string, headers or client
/// address: server and client spans lose url.path/url.query/url.full, client and peer addresses and the user
/// agent; correlation ids that look like a CPF, CNS, phone or email are replaced; log records carry no scopes
/// (ASP.NET Core's request scope holds the path).
/// </summary>
public sealed class TracePiiTests : IAsyncLifetime
{
    private const string Cpf = "12345678909";
    private const string FormattedCpf = "123.456.789-09";
    private const string Email = "maria.silva@example.com";
    private const string Cns = "898001160789013";
    private const string UserId = "0b9f3c2e-1111-4a5b-9c8d-00000000abcd";
    private const string UserAgent = "Maria Aparecida Souza's phone";

    private static readonly string[] Secrets = [Cpf, FormattedCpf, Email, Cns, UserId, "Maria"];

    /// <summary>Attributes that name the caller or the full request target (the server's own address may stay).</summary>
    private static readonly string[] CallerAttributes =
        ["client.address", "client.port", "network.peer.address", "network.peer.port", "user_agent.original", "url.path", "url.query", "url.full"];

    private readonly List<Activity> _spans = [];
    private readonly List<LogRecord> _logs = [];
    private WebApplication _app = null!;
    private HttpClient _client = null!;
    private int _port = -1;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Development });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddServiceDefaults();
        // ASP.NET Core's activity source is process-wide: keep only the spans of this test's server (other tests
        // host apps too), recognised by its port.
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddProcessor(new PortRecorder(() => _port, _spans)));
        builder.Services.ConfigureOpenTelemetryLoggerProvider(logging => logging.AddInMemoryExporter(_logs));
        _app = builder.Build();
        _app.UseServiceDefaults();
        _app.MapGet("/api/patients/{document}", async (string document, IHttpClientFactory clients, HttpContext context, ILogger<TracePiiTests> logger) =>
        {
            logger.LogWarning("Patient lookup refused");
            // An outgoing call with the same data in its URL: the client span must lose it too.
            using var client = clients.CreateClient();
            client.BaseAddress = new Uri($"{context.Request.Scheme}://{context.Request.Host}");
            (await client.GetAsync($"/echo/{document}?email={Uri.EscapeDataString(Email)}")).Dispose();
            return Results.Problem(statusCode: 404, title: "No such patient.");
        });
        _app.MapGet("/echo/{value}", (string value) => Results.Ok());
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _client = new HttpClient { BaseAddress = new Uri(address) };
        _port = _client.BaseAddress.Port;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task Spans_and_log_records_of_a_request_full_of_personal_data_carry_none_of_it()
    {
        using (var request = new HttpRequestMessage(HttpMethod.Get, $"/api/patients/{Cpf}?cpf={FormattedCpf}&cns={Cns}&user={UserId}"))
        {
            request.Headers.TryAddWithoutValidation(RequestCorrelation.RequestIdHeader, FormattedCpf);
            request.Headers.TryAddWithoutValidation(RequestCorrelation.HealthcareTraceHeader, Cns);
            request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
            using var response = await _client.SendAsync(request);
            Assert.Equal(404, (int)response.StatusCode);
        }

        // Exporters run when a span ends / a record is emitted; give the server span a moment after the response.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (Spans().Count(s => s.Kind == ActivityKind.Server) < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        var spans = Spans();

        Assert.Equal(2, spans.Count(s => s.Kind == ActivityKind.Server));
        Assert.Contains(spans, s => s.Kind == ActivityKind.Client);
        var lookup = Assert.Single(spans, s => s.Kind == ActivityKind.Server && (string?)s.GetTagItem("http.route") == "/api/patients/{document}");
        Assert.True(RequestCorrelation.IsValid((string?)lookup.GetTagItem(RequestCorrelation.RequestIdTag)));
        Assert.Null(lookup.GetTagItem(RequestCorrelation.HealthcareTraceTag));

        Assert.All(spans, span => Assert.Empty(span.TagObjects.Select(t => t.Key).Intersect(CallerAttributes)));
        var spanText = spans.SelectMany(s => s.TagObjects.Select(t => $"{s.DisplayName} {t.Key}={t.Value}")
            .Concat(s.Events.Select(e => e.Name)).Append(s.DisplayName)).ToList();
        Assert.NotEmpty(spanText);
        foreach (var secret in Secrets)
        {
            var leak = spanText.FirstOrDefault(t => t.Contains(secret, StringComparison.OrdinalIgnoreCase));
            Assert.True(leak is null, $"a span carries personal data: {leak}");
        }

        var record = Assert.Single(_logs, l => l.FormattedMessage == "Patient lookup refused");
        Assert.NotEqual(default, record.TraceId);
        var scopes = new List<object?>();
        record.ForEachScope((scope, state) => state.AddRange(scope.Scope is null ? [] : [scope.Scope]), scopes);
        Assert.Empty(scopes);
        var logText = _logs.SelectMany(l => (l.Attributes ?? []).Select(a => $"{a.Key}={a.Value}")
            .Append(l.FormattedMessage ?? "").Append(l.Body ?? "")).ToList();
        foreach (var secret in Secrets)
        {
            var leak = logText.FirstOrDefault(t => t.Contains(secret, StringComparison.OrdinalIgnoreCase));
            Assert.True(leak is null, $"a log record carries personal data: {leak}");
        }
    }

    private List<Activity> Spans()
    {
        lock (_spans)
        {
            return [.. _spans];
        }
    }

    /// <summary>Records the finished spans (server and client) addressed to one port.</summary>
    private sealed class PortRecorder(Func<int> port, List<Activity> spans) : OpenTelemetry.BaseProcessor<Activity>
    {
        public override void OnEnd(Activity data)
        {
            if (data.GetTagItem("server.port") is int p && p == port())
            {
                lock (spans)
                {
                    spans.Add(data);
                }
            }
        }
    }
}
