using System.Diagnostics.Metrics;
using HealthcareCms.ServiceDefaults.Telemetry;
using HealthcareCms.Workflows.Queue;

namespace HealthcareCms.Workflows.Pipeline;

/// <summary>The <c>workflow_stage</c> tag values: the whole run, or one kind of stage (every plugin is <c>plugin</c>).</summary>
public static class WorkflowStageTags
{
    public const string Pipeline = "pipeline";
    public const string Plugin = "plugin";

    /// <summary><c>lgpd</c>, <c>medical</c>, <c>cfm</c> as they are; <c>plugin:&lt;name&gt;</c> → <c>plugin</c>.</summary>
    public static string For(string stage) => stage.StartsWith("plugin:", StringComparison.Ordinal) ? Plugin : stage;
}

/// <summary>The metric <c>result</c> of a completed stage or run: a business outcome is not a system error.</summary>
public static class WorkflowResults
{
    public const string Ok = "ok";
    public const string Rejected = "rejected";
    public const string Error = "error";

    public static string For(string stageResult) => stageResult switch
    {
        StageResults.Fail => Rejected,
        StageResults.Error => Error,
        _ => Ok,
    };
}

/// <summary>The medical workflow instruments and the queue-health gauges.</summary>
public sealed class WorkflowMetrics
{
    private readonly ContractCounter _started;
    private readonly ContractCounter _completed;
    private readonly ContractHistogram _duration;

    public WorkflowMetrics(IMeterFactory meterFactory, QueueHealthSnapshot queueHealth)
    {
        var meter = new ContractMeter(meterFactory, MetricCatalog.Meters.Workflows);
        _started = meter.Counter("healthcare_cms.medical_workflows.started");
        _completed = meter.Counter("healthcare_cms.medical_workflows.completed");
        _duration = meter.Histogram("healthcare_cms.medical_workflows.duration");
        meter.Gauge("healthcare_cms.workflow_queue.pending", () => queueHealth.Current.Pending);
        meter.Gauge("healthcare_cms.workflow_queue.oldest_pending_age", () => queueHealth.Current.OldestPendingAgeSeconds);
        meter.Gauge("healthcare_cms.workflow_queue.dead_letters", () => queueHealth.Current.DeadLetters);
    }

    public void Started(string workflowStage, string medicalCategory) =>
        _started.Add(1, new("workflow_stage", workflowStage), new("medical_category", medicalCategory));

    public void Completed(string workflowStage, string medicalCategory, string result, double seconds)
    {
        _completed.Add(1, new("workflow_stage", workflowStage), new("medical_category", medicalCategory), new("result", result));
        _duration.Record(seconds, new KeyValuePair<string, object?>("workflow_stage", workflowStage));
    }

    /// <summary>A job that exhausted its attempts: counted as a technical failure of the whole run.</summary>
    public void DeadLettered(string medicalCategory) =>
        _completed.Add(1, new("workflow_stage", WorkflowStageTags.Pipeline), new("medical_category", medicalCategory),
            new("result", WorkflowResults.Error));
}
