using System.Globalization;
using System.Text;
using HealthcareCms.ServiceDefaults.Telemetry;

namespace HealthcareCms.Tests.Observability;

/// <summary>
/// Renders <c>docs/metrics.md</c> from MetricCatalog (custom metrics), the built-in metrics the rules and
/// dashboards use, and the seed's names mapped to ours. <see cref="MetricsDocumentationTests"/> fails
/// when the file differs and prints the regenerated text; with UPDATE_METRICS_DOC=1 it rewrites it.
/// </summary>
public static class MetricsDocument
{
    public sealed record BuiltIn(string PrometheusName, string Source, string Labels, string Meaning);

    public sealed record SeedMapping(string Seed, string Ours, string Note);

    /// <summary>Built-in series the rules and dashboards read, under the names Prometheus stores (it scrapes OpenMetrics).</summary>
    public static readonly BuiltIn[] BuiltIns =
    [
        new("http_server_request_duration_seconds_bucket", "ASP.NET Core (Microsoft.AspNetCore.Hosting)", "http_route, http_request_method, http_response_status_code, le", "server request duration histogram, buckets include 0.5 s"),
        new("http_server_active_requests", "ASP.NET Core", "http_request_method, url_scheme", "requests in flight"),
        new("http_client_request_duration_seconds_bucket", "System.Net.Http", "server_address, http_request_method, http_response_status_code, le", "outgoing request duration"),
        new("aspnetcore_routing_match_attempts_total", "ASP.NET Core routing", "http_route, aspnetcore_routing_match_status", "route matching outcomes"),
        new("kestrel_active_connections", "Kestrel", "network_transport", "open connections"),
        new("kestrel_queued_connections", "Kestrel", "network_transport", "connections waiting to be accepted"),
        new("dotnet_process_memory_working_set_bytes", ".NET runtime (System.Runtime)", "", "process working set, bytes"),
        new("dotnet_gc_last_collection_heap_size_bytes", ".NET runtime", "gc_heap_generation", "managed heap size after the last GC"),
        new("dotnet_gc_collections_total", ".NET runtime", "gc_heap_generation", "garbage collections"),
        new("dotnet_thread_pool_queue_length_total", ".NET runtime", "", "work items waiting for a thread-pool thread"),
        new("dotnet_thread_pool_thread_count_total", ".NET runtime", "", "thread-pool threads (the classic text format calls it dotnet_thread_pool_thread_total)"),
        new("dotnet_thread_pool_work_item_count_total", ".NET runtime", "", "work items completed by the thread pool"),
        new("dotnet_process_cpu_time_seconds_total", ".NET runtime", "cpu_mode", "CPU time"),
        new("dotnet_exceptions_total", ".NET runtime", "error_type", "exceptions thrown"),
        new("db_client_operation_duration_seconds_bucket", "Npgsql", "db_client_connection_pool_name, le", "database operation duration"),
        new("db_client_connections", "Npgsql (renamed from db.client.connection.count by the guard)", "db_client_connection_state", "pooled connections by state"),
        new("db_client_connection_max", "Npgsql", "db_client_connection_pool_name", "pool size limit"),
        new("up", "Prometheus", "job, instance", "1 when the last scrape of a target succeeded"),
    ];

    public static readonly SeedMapping[] SeedMappings =
    [
        new("phoenix.endpoint.stop.duration (summary, ms, tag route)", "http_server_request_duration_seconds (histogram, s, label http_route)", "ASP.NET Core's request duration; quantiles via histogram_quantile over rate() by le"),
        new("phoenix.router_dispatch.stop.duration (summary, ms, tag route)", "http_server_request_duration_seconds by http_route; aspnetcore_routing_match_attempts_total", "ASP.NET Core records the matched route template on the same instrument"),
        new("phoenix.live_view.mount.stop.duration (ms, tag view)", "healthcare_cms_live_mount_duration_seconds (label view)", "the SignalR live-updates hub"),
        new("phoenix.live_view.mount.exception (tag view)", "healthcare_cms_live_mount_exception_total (label view)", ""),
        new("healthcare_cms.repo.query.* (ms)", "healthcare_cms_repo_query_*_seconds, healthcare_cms_repo_query_count_total; also Npgsql's db_client_operation_duration_seconds", "seconds, not milliseconds"),
        new("healthcare_cms_repo_query_queue_time (seed alert, ms)", "healthcare_cms_repo_query_queue_time_seconds (histogram)", "DatabasePoolExhausted: p99 > 0.1 s"),
        new("vm.memory.total (kilobytes)", "dotnet_process_memory_working_set_bytes (bytes); managed heap: dotnet_gc_last_collection_heap_size_bytes", "HighMemoryUsage compares bytes with bytes (8 GiB)"),
        new("vm.total_run_queue_lengths.total", "dotnet_thread_pool_queue_length_total", "work waiting for a thread: the .NET counterpart of a run queue"),
        new("vm.total_run_queue_lengths.cpu", "dotnet_thread_pool_thread_count_total, dotnet_process_cpu_time_seconds_total", ".NET has no per-scheduler run queue; threads and CPU time show saturation"),
        new("vm.total_run_queue_lengths.io", "dotnet_thread_pool_work_item_count_total", "no separate IO queue: IO completions run on the thread pool"),
    ];

    public static string Render()
    {
        var md = new StringBuilder();
        md.AppendLine("# Metrics");
        md.AppendLine();
        md.AppendLine("<!-- Generated from MetricCatalog by HealthcareCms.Tests/Observability/MetricsDocument.cs. Do not edit:");
        md.AppendLine("     UPDATE_METRICS_DOC=1 dotnet test HealthcareCms.Tests --filter FullyQualifiedName~MetricsDocumentationTests -->");
        md.AppendLine();
        md.AppendLine("Every custom instrument is declared in `HealthcareCms.ServiceDefaults/Telemetry/MetricCatalog.cs`; the telemetry");
        md.AppendLine("guard drops undeclared instruments and tag keys and maps a value outside its set to `other`. The Prometheus");
        md.AppendLine("names below are the ones the OpenTelemetry exporter produces (counters get `_total`, seconds `_seconds`,");
        md.AppendLine("histograms `_bucket`/`_sum`/`_count`), verified by scraping a real host (`ExportedNamesTests`) and the");
        md.AppendLine("running system (`DeclaredMetricsTests`, `PromQlAgainstPrometheusTests`). Every series also carries `job`,");
        md.AppendLine("`instance` and `otel_scope_name`. No label ever carries a user id, name, email, CPF, CNS, phone or IP.");
        md.AppendLine();
        md.AppendLine("## Custom metrics");
        foreach (var meter in MetricCatalog.All.GroupBy(d => d.Meter))
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"### Meter `{meter.Key}`");
            md.AppendLine();
            md.AppendLine("| Prometheus name | instrument (seed name) | kind | unit | tags and their values | description |");
            md.AppendLine("|---|---|---|---|---|---|");
            foreach (var d in meter)
            {
                var tags = d.Tags.Count == 0 ? "—" : string.Join("<br>", d.Tags.Select(t => $"`{t.Key}`: {string.Join(", ", t.Values)}"));
                var description = d.Buckets is null ? d.Description : $"{d.Description}. Buckets: {string.Join(", ", d.Buckets.Select(b => b.ToString(CultureInfo.InvariantCulture)))}";
                md.AppendLine(CultureInfo.InvariantCulture, $"| `{d.PrometheusName}` | `{d.Name}` | {d.Kind.ToString().ToLowerInvariant()} | {d.Unit ?? "—"} | {tags} | {description} |");
            }
        }

        md.AppendLine();
        md.AppendLine("## Built-in metrics used by the rules and dashboards");
        md.AppendLine();
        md.AppendLine("Names as Prometheus stores them (it scrapes OpenMetrics); each is checked to exist in the running system.");
        md.AppendLine();
        md.AppendLine("| Prometheus name | source | labels used | meaning |");
        md.AppendLine("|---|---|---|---|");
        foreach (var b in BuiltIns)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| `{b.PrometheusName}` | {b.Source} | {(b.Labels.Length == 0 ? "—" : b.Labels)} | {b.Meaning} |");
        }

        md.AppendLine();
        md.AppendLine("## The seed's names and ours");
        md.AppendLine();
        md.AppendLine("The seed's own `healthcare_cms.*` metrics keep their names (table above: instrument column). The Phoenix and");
        md.AppendLine("BEAM metrics map to ASP.NET Core and .NET runtime equivalents:");
        md.AppendLine();
        md.AppendLine("| seed | ours | note |");
        md.AppendLine("|---|---|---|");
        foreach (var m in SeedMappings)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| `{m.Seed}` | {m.Ours} | {(m.Note.Length == 0 ? "—" : m.Note)} |");
        }

        md.AppendLine();
        md.AppendLine("Recording rules (`slo:*`, `healthcare_cms:alert_threshold`) are described in [slo.md](slo.md).");
        return md.ToString().Replace("\r\n", "\n");
    }
}
