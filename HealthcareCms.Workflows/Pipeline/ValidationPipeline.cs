using System.Diagnostics;
using HealthcareCms.Workflows.Plugins;
using HealthcareCms.Workflows.Rules;

namespace HealthcareCms.Workflows.Pipeline;

/// <summary>
/// Runs every stage for a post — LGPD → medical → CFM → the category's plugins — and ALWAYS all of them,
/// so the author sees every finding at once. A stage that throws (or a plugin the sandbox stops) is an
/// <c>error</c> for that stage only; the others still run.
/// </summary>
public sealed partial class ValidationPipeline(
    IEnumerable<IRuleStage> ruleStages, PluginCatalog plugins, WasmSandbox sandbox, WorkflowMetrics metrics, ILogger<ValidationPipeline> logger)
{
    public static readonly ActivitySource ActivitySource = new("HealthcareCms.Workflows");

    private readonly IRuleStage[] _ruleStages = ruleStages.ToArray();

    /// <summary>The stage names that run for a category, in order.</summary>
    public IReadOnlyList<string> StagesFor(string category) =>
        [.. _ruleStages.Select(s => s.Name), .. plugins.For(category).Select(p => PluginStageName(p.Name))];

    public static string PluginStageName(string plugin) => "plugin:" + plugin;

    public PipelineRun Run(WorkflowDocument document)
    {
        var category = document.Category;
        using var activity = ActivitySource.StartActivity("workflow.pipeline");
        activity?.SetTag("healthcare_cms.medical_category", category);
        var started = Stopwatch.GetTimestamp();
        metrics.Started(WorkflowStageTags.Pipeline, category);

        var outcomes = new List<StageOutcome>();
        foreach (var stage in _ruleStages)
        {
            outcomes.Add(RunStage(stage.Name, category, () =>
            {
                var findings = stage.Evaluate(document);
                return (StageOutcome.ResultFor(findings), findings, null);
            }));
        }

        foreach (var plugin in plugins.For(category))
        {
            outcomes.Add(RunStage(PluginStageName(plugin.Name), category, () =>
            {
                var call = sandbox.Invoke(plugin, document.Text);
                return call.ErrorType is { } error
                    ? (StageResults.Error, [], error)
                    : (StageOutcome.ResultFor(call.Findings), call.Findings, null);
            }));
        }

        var run = new PipelineRun(outcomes);
        var result = run.HasError ? WorkflowResults.Error
            : run.Outcome == JobOutcomes.Approved ? WorkflowResults.Ok : WorkflowResults.Rejected;
        metrics.Completed(WorkflowStageTags.Pipeline, category, result, Stopwatch.GetElapsedTime(started).TotalSeconds);
        activity?.SetTag("healthcare_cms.workflow_result", result);
        return run;
    }

    private StageOutcome RunStage(
        string stage, string category, Func<(string Result, IReadOnlyList<Finding> Findings, string? Error)> evaluate)
    {
        var tag = WorkflowStageTags.For(stage);
        using var activity = ActivitySource.StartActivity("workflow.stage");
        activity?.SetTag("healthcare_cms.workflow_stage", stage);
        metrics.Started(tag, category);
        var started = Stopwatch.GetTimestamp();
        (string Result, IReadOnlyList<Finding> Findings, string? Error) outcome;
        try
        {
            outcome = evaluate();
        }
        catch (Exception ex)
        {
            LogStageFailed(logger, stage, ex.GetType().Name);
            outcome = (StageResults.Error, [], "exception");
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        metrics.Completed(tag, category, WorkflowResults.For(outcome.Result), seconds);
        activity?.SetTag("healthcare_cms.stage_result", outcome.Result);
        return new StageOutcome(stage, outcome.Result, outcome.Findings, seconds, outcome.Error);
    }

    // Only the exception type: its message could quote the post.
    [LoggerMessage(Level = LogLevel.Error, Message = "Workflow stage {Stage} failed with {ExceptionType}")]
    private static partial void LogStageFailed(ILogger logger, string stage, string exceptionType);
}
