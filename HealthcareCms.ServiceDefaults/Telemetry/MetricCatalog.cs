using System.Collections.Frozen;

namespace HealthcareCms.ServiceDefaults.Telemetry;

/// <summary>
/// The metric contract: every custom instrument of every service, declared once. A metric that is not
/// here never reaches an exporter; a tag key or value that is not here never reaches one either.
/// Names are the seed's; units are base units (seconds), so the Prometheus exporter appends
/// <c>_seconds</c> to histograms and <c>_total</c> to counters.
/// </summary>
public static class MetricCatalog
{
    public static class Meters
    {
        public const string Auth = "HealthcareCms.Auth";
        public const string Compliance = "HealthcareCms.Compliance";
        public const string Live = "HealthcareCms.Live";
        public const string Repo = "HealthcareCms.Repo";
        public const string Workflows = "HealthcareCms.Workflows";
        public const string Wasm = "HealthcareCms.Wasm";
        public const string Gateway = "HealthcareCms.Gateway";
        public const string ZeroTrust = "HealthcareCms.ZeroTrust";

        public const string Prefix = "HealthcareCms.";
    }

    /// <summary>Closed value sets shared by several instruments.</summary>
    public static class Values
    {
        public static readonly string[] Roles = ["admin", "editor", "physician", "reviewer", "dpo", "reader"];

        public static readonly string[] MedicalCategories =
            ["cardiology", "dermatology", "pediatrics", "oncology", "mental_health", "general"];

        public static readonly string[] WorkflowStages = ["pipeline", "lgpd", "medical", "cfm", "plugin"];

        public static readonly string[] ResourceTypes =
        [
            "post_public", "post_draft", "patient_consent", "audit_log", "lgpd_request", "user_admin", "policy_admin",
            "workflow_status", "subscriber_data", "unknown",
        ];

        public static readonly string[] AuditResourceTypes =
        [
            "post", "patient_consent", "subscriber", "consent", "lgpd_request", "user", "session", "audit_log",
            "policy", "workflow", "slo", "unknown",
        ];

        public static readonly string[] AuditActions =
        [
            "create", "read", "update", "delete", "submit", "publish", "archive", "login", "logout", "refresh",
            "deny", "export", "anonymise", "grant", "revoke", "verify",
        ];

        /// <summary>Policy deny reasons (the policy service's ReasonCodes.Deny); every code a decision can carry.</summary>
        public static readonly string[] DenialReasons =
        [
            "unknown_resource_type", "account_disabled", "action_not_permitted", "role_not_permitted", "mfa_required",
            "not_owner", "untrusted_network", "unmanaged_device", "outside_business_hours", "session_too_old",
            "too_many_failed_logins", "request_rate_exceeded", "trust_score_below_threshold",
        ];

        /// <summary>Policy allow reasons (no metric label; listed so the reason set is closed and documented).</summary>
        public static readonly string[] AllowReasons = ["policy_satisfied"];

        public static readonly string[] EnforcementFailureReasons = ["timeout", "unavailable", "circuit_open", "invalid_response"];

        /// <summary>The gateway's YARP routes.</summary>
        public static readonly string[] GatewayRoutes = ["policy", "workflows"];

        /// <summary>YARP's ForwarderError names, snake_case.</summary>
        public static readonly string[] GatewayForwardErrors =
        [
            "request", "request_timed_out", "request_canceled", "request_body_canceled", "request_body_client",
            "request_body_destination", "response_body_canceled", "response_body_client", "response_body_destination",
            "response_headers", "no_available_destinations", "request_creation",
        ];

        public static readonly string[] DbTables =
        [
            "posts", "post_revisions", "users", "refresh_tokens", "patient_consents", "subscribers",
            "consent_records", "lgpd_requests", "audit_log", "workflow_jobs", "workflow_results", "other",
        ];

        public static readonly string[] DbCommands = ["select", "insert", "update", "delete", "other"];

        /// <summary>The plugins shipped with the product; a clinic's own plugin is added in configuration
        /// and its name must be added here (the guard maps any other name to <c>other</c>).</summary>
        public static readonly string[] PluginNames = ["reading_level", "glossary", "other"];

        public static readonly string[] WasmErrorTypes = ["trap", "out_of_fuel", "timeout", "memory", "abi"];

        public static readonly string[] LiveViews = ["post_workflow"];
    }

    /// <summary>Seconds: 1 ms up to 10 s, with 0.1 s (pool alert) and 0.5 s (latency SLO) included.</summary>
    public static readonly double[] DatabaseBuckets =
        [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>Seconds: the ASP.NET Core defaults, which include the 0.5 s SLO threshold.</summary>
    public static readonly double[] HttpBuckets =
        [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    /// <summary>Seconds: 10 µs up, so the 100 µs p99 target of policy evaluation is visible.</summary>
    public static readonly double[] PolicyEvaluationBuckets =
        [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05];

    /// <summary>Seconds: 1 µs up for WASM calls (20 µs overhead target, 50 ms epoch deadline).</summary>
    public static readonly double[] WasmBuckets =
        [0.000001, 0.0000025, 0.000005, 0.00001, 0.00002, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1];

    /// <summary>Seconds: workflow stages and whole pipelines (2 s submit-to-result target).</summary>
    public static readonly double[] WorkflowBuckets =
        [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];

    public static readonly double[] TrustScoreBuckets = [0, 20, 40, 60, 80, 100];

    public static readonly IReadOnlyList<MetricDefinition> All =
    [
        // Authentication (issue: identity)
        Counter(Meters.Auth, "healthcare_cms.auth.login_attempts", "Login attempts by outcome",
            Tag("result", "success", "invalid_credentials", "locked_out", "mfa_required", "mfa_failed", "rate_limited")),
        Counter(Meters.Auth, "healthcare_cms.auth.token_refreshes", "Refresh-token exchanges by outcome",
            Tag("result", "success", "expired", "reused", "invalid")),
        Counter(Meters.Auth, "healthcare_cms.auth.logouts", "User logout events"),

        // Compliance (issue: content, PHI and LGPD)
        Counter(Meters.Compliance, "healthcare_cms.compliance.lgpd_events", "LGPD compliance events (consent, rights requests)",
            Tag("event_type", "consent_granted", "consent_revoked", "access_request", "deletion_request",
                "correction_request", "portability_request", "request_completed", "request_overdue")),
        Counter(Meters.Compliance, "healthcare_cms.compliance.audit_log_entries", "Audit trail entries written",
            Tag("resource_type", Values.AuditResourceTypes), Tag("action", Values.AuditActions), Tag("outcome", "success", "failure", "denied")),
        Counter(Meters.Compliance, "healthcare_cms.compliance.phi_access", "PHI access events by the accessor's role",
            Tag("user_role", Values.Roles)),
        Counter(Meters.Compliance, "healthcare_cms.compliance.audit_write_failures", "Audit writes that failed (the audited operation failed with them)"),

        // Live updates (seed: phoenix.live_view.mount.*)
        Histogram(Meters.Live, "healthcare_cms.live.mount.duration", "s", "Time to connect and join a live view",
            DatabaseBuckets, Tag("view", Values.LiveViews)),
        Counter(Meters.Live, "healthcare_cms.live.mount.exception", "Live view joins that failed",
            Tag("view", Values.LiveViews)),

        // Database (seed: healthcare_cms.repo.query.*)
        Histogram(Meters.Repo, "healthcare_cms.repo.query.total_time", "s", "Total time spent executing a query, decoding included",
            DatabaseBuckets, Tag("source", Values.DbTables), Tag("command", Values.DbCommands)),
        Histogram(Meters.Repo, "healthcare_cms.repo.query.query_time", "s", "Time spent executing the query",
            DatabaseBuckets, Tag("source", Values.DbTables), Tag("command", Values.DbCommands)),
        Histogram(Meters.Repo, "healthcare_cms.repo.query.decode_time", "s", "Time spent decoding query results",
            DatabaseBuckets, Tag("source", Values.DbTables), Tag("command", Values.DbCommands)),
        Histogram(Meters.Repo, "healthcare_cms.repo.query.queue_time", "s", "Time spent waiting for a pooled connection",
            DatabaseBuckets),
        Counter(Meters.Repo, "healthcare_cms.repo.query.count", "Queries executed",
            Tag("source", Values.DbTables), Tag("command", Values.DbCommands)),

        // Medical workflows (issue: workflow worker)
        Counter(Meters.Workflows, "healthcare_cms.medical_workflows.started", "Medical workflow stages started",
            Tag("workflow_stage", Values.WorkflowStages), Tag("medical_category", Values.MedicalCategories)),
        Counter(Meters.Workflows, "healthcare_cms.medical_workflows.completed", "Medical workflow stages completed",
            Tag("workflow_stage", Values.WorkflowStages), Tag("medical_category", Values.MedicalCategories),
            Tag("result", "ok", "rejected", "error")),
        Histogram(Meters.Workflows, "healthcare_cms.medical_workflows.duration", "s", "Medical workflow stage duration",
            WorkflowBuckets, Tag("workflow_stage", Values.WorkflowStages)),
        Gauge(Meters.Workflows, "healthcare_cms.workflow_queue.pending", null, "Workflow jobs waiting to run"),
        Gauge(Meters.Workflows, "healthcare_cms.workflow_queue.oldest_pending_age", "s", "Age of the oldest pending workflow job"),
        Gauge(Meters.Workflows, "healthcare_cms.workflow_queue.dead_letters", null, "Workflow jobs in the dead-letter state"),

        // WASM plugins
        Counter(Meters.Wasm, "healthcare_cms.wasm.plugin_calls", "WASM plugin invocations",
            Tag("plugin_name", Values.PluginNames)),
        Histogram(Meters.Wasm, "healthcare_cms.wasm.execution_time", "s", "WASM plugin execution time",
            WasmBuckets, Tag("plugin_name", Values.PluginNames)),
        Counter(Meters.Wasm, "healthcare_cms.wasm.errors", "WASM plugin execution errors",
            Tag("plugin_name", Values.PluginNames), Tag("error_type", Values.WasmErrorTypes)),

        // Zero trust (issue: policy service and enforcement)
        Counter(Meters.ZeroTrust, "healthcare_cms.zero_trust.policy_evaluations", "Zero-trust policy evaluations by decision",
            Tag("decision", "allow", "deny"), Tag("resource_type", Values.ResourceTypes)),
        Histogram(Meters.ZeroTrust, "healthcare_cms.zero_trust.trust_scores", null, "Trust score distribution (no subject label, ever)",
            TrustScoreBuckets),
        Histogram(Meters.ZeroTrust, "healthcare_cms.zero_trust.evaluation_time", "s", "Policy evaluation latency",
            PolicyEvaluationBuckets),
        Counter(Meters.ZeroTrust, "healthcare_cms.zero_trust.denials", "Policy denials by reason code",
            Tag("reason", Values.DenialReasons)),
        Counter(Meters.ZeroTrust, "healthcare_cms.zero_trust.enforcement_failures",
            "Protected requests refused because no policy decision could be had (fail closed)",
            Tag("reason", Values.EnforcementFailureReasons)),

        // Gateway (issue: policy service and enforcement; YARP's forwarder events, see the Api's GatewayMetrics)
        Counter(Meters.Gateway, "healthcare_cms.gateway.forwarded_requests", "Requests the gateway forwarded, by route and the destination's status class",
            Tag("route", Values.GatewayRoutes), Tag("status_class", "1xx", "2xx", "3xx", "4xx", "5xx")),
        Counter(Meters.Gateway, "healthcare_cms.gateway.forward_failures", "Forwarding failures by route and YARP error",
            Tag("route", Values.GatewayRoutes), Tag("error", Values.GatewayForwardErrors)),
        Gauge(Meters.Gateway, "healthcare_cms.gateway.active_forwards", null, "Requests being forwarded right now"),
    ];

    public static readonly FrozenDictionary<string, MetricDefinition> ByName =
        All.ToFrozenDictionary(m => m.Name, StringComparer.Ordinal);

    /// <summary>Tag keys allowed on the built-in instruments whose tags could otherwise grow unbounded.</summary>
    public static readonly FrozenDictionary<string, string[]> BuiltInTagKeys = new Dictionary<string, string[]>
    {
        ["http.server.request.duration"] =
            ["http.request.method", "http.response.status_code", "http.route", "url.scheme", "network.protocol.version", "error.type"],
        ["http.server.active_requests"] = ["http.request.method", "url.scheme"],
        ["http.client.request.duration"] =
            ["http.request.method", "http.response.status_code", "server.address", "server.port", "url.scheme", "network.protocol.version", "error.type"],
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>
    /// Built-in gauges whose names end in <c>.count</c>: exported as-is they become <c>*_count</c> series, a
    /// suffix Prometheus reserves for histograms and summaries (promtool rejects them), so they are renamed.
    /// </summary>
    public static readonly FrozenDictionary<string, string> BuiltInRenames = new Dictionary<string, string>
    {
        ["db.client.connection.count"] = "db.client.connections",
        ["dotnet.assembly.count"] = "dotnet.assemblies",
        ["dotnet.process.cpu.count"] = "dotnet.process.cpus",
        ["dotnet.timer.count"] = "dotnet.timers",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static TagDefinition Tag(string key, params string[] values) => new(key, values);

    private static MetricDefinition Counter(string meter, string name, string description, params TagDefinition[] tags) =>
        new(meter, name, MetricKind.Counter, null, description, tags);

    private static MetricDefinition Gauge(string meter, string name, string? unit, string description, params TagDefinition[] tags) =>
        new(meter, name, MetricKind.Gauge, unit, description, tags);

    private static MetricDefinition Histogram(
        string meter, string name, string? unit, string description, double[] buckets, params TagDefinition[] tags) =>
        new(meter, name, MetricKind.Histogram, unit, description, tags, buckets);
}
