using HealthcareCms.ServiceDefaults.Telemetry;
using HealthcareCms.Workflows.Pipeline;
using HealthcareCms.Workflows.Plugins;
using HealthcareCms.Workflows.Rules;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace HealthcareCms.Tests.Workflows;

public sealed class PipelineTests
{
    private const string Started = "healthcare_cms.medical_workflows.started";
    private const string Completed = "healthcare_cms.medical_workflows.completed";
    private const string Duration = "healthcare_cms.medical_workflows.duration";

    private const string TrappingPlugin = """
        (module
          (memory (export "memory") 1)
          (func (export "alloc") (param i32) (result i32) (i32.const 1024))
          (func (export "validate") (param i32 i32) (result i64) unreachable))
        """;

    [Fact]
    public void A_clean_post_passes_every_stage_and_is_approved()
    {
        using var harness = new WorkflowHarness();

        var run = harness.Pipeline.Run(new WorkflowDocument(WorkflowTestData.Payload(WorkflowTestData.CleanBody)));

        Assert.Equal(["lgpd", "medical", "cfm", "plugin:glossary", "plugin:reading_level"], run.Stages.Select(s => s.Stage));
        Assert.All(run.Stages, s => Assert.Equal(StageResults.Pass, s.Result));
        Assert.False(run.HasError);
        Assert.Equal(JobOutcomes.Approved, run.Outcome);
    }

    [Fact]
    public void Every_stage_runs_after_a_failure_so_the_author_sees_every_finding_at_once()
    {
        using var harness = new WorkflowHarness();
        var body = "A paciente Maria Souza teve um AVC. Resultado garantido com o melhor tratamento.";

        var run = harness.Pipeline.Run(new WorkflowDocument(WorkflowTestData.Payload(body)));

        Assert.Equal(5, run.Stages.Count);
        var byStage = run.Stages.ToDictionary(s => s.Stage);
        Assert.Equal(StageResults.Fail, byStage["lgpd"].Result);
        Assert.Equal(StageResults.Fail, byStage["medical"].Result);
        Assert.Equal(StageResults.Fail, byStage["cfm"].Result);
        Assert.Equal(StageResults.Fail, byStage["plugin:glossary"].Result);
        Assert.Equal(StageResults.Pass, byStage["plugin:reading_level"].Result);
        Assert.Contains(byStage["lgpd"].Findings, f => f.RuleId == "LGPD-PATIENT-NAME");
        Assert.Contains(byStage["cfm"].Findings, f => f.RuleId == "CFM-GUARANTEED-RESULTS");
        Assert.Contains(byStage["cfm"].Findings, f => f.RuleId == "CFM-SUPERLATIVE");
        Assert.Contains(byStage["plugin:glossary"].Findings, f => f.RuleId == "GLOSSARY-UNEXPLAINED-ACRONYM");
        Assert.False(run.HasError);
        Assert.Equal(JobOutcomes.ChangesRequested, run.Outcome);
    }

    [Fact]
    public void A_plugin_that_traps_fails_only_its_stage_and_makes_the_attempt_an_error()
    {
        using var harness = new WorkflowHarness(
            extraPlugins: new Dictionary<string, string> { ["clinic_trap"] = TrappingPlugin },
            categories: new Dictionary<string, string[]> { ["oncology"] = ["clinic_trap", "reading_level"] });

        var run = harness.Pipeline.Run(new WorkflowDocument(WorkflowTestData.Payload(WorkflowTestData.CleanBody, category: "oncology")));

        Assert.Equal(["lgpd", "medical", "cfm", "plugin:clinic_trap", "plugin:reading_level"], run.Stages.Select(s => s.Stage));
        var trapped = run.Stages.Single(s => s.Stage == "plugin:clinic_trap");
        Assert.Equal(StageResults.Error, trapped.Result);
        Assert.Equal(PluginErrors.Trap, trapped.ErrorClass);
        Assert.All(run.Stages.Where(s => s != trapped), s => Assert.Equal(StageResults.Pass, s.Result));
        Assert.True(run.HasError);
        Assert.Equal("stage_error: plugin:clinic_trap=trap", run.ErrorSummary);
    }

    [Fact]
    public void A_stage_that_throws_is_an_error_logged_without_the_post_text()
    {
        using var harness = new WorkflowHarness(extraStage: new ThrowingStage());
        const string cpf = "529.982.247-25";

        var run = harness.Pipeline.Run(new WorkflowDocument(WorkflowTestData.Payload($"CPF {cpf} do paciente.")));

        var failed = run.Stages.Single(s => s.Stage == "throwing");
        Assert.Equal(StageResults.Error, failed.Result);
        Assert.Equal("exception", failed.ErrorClass);
        Assert.Equal(StageResults.Fail, run.Stages.Single(s => s.Stage == "lgpd").Result);
        Assert.Equal(6, run.Stages.Count);
        var log = Assert.Single(harness.Logger.Collector.GetSnapshot());
        Assert.Contains("InvalidOperationException", log.Message);
        Assert.DoesNotContain(cpf, log.Message);
        Assert.DoesNotContain("529", string.Join(" ", log.StructuredState!.Select(kv => kv.Value)));
    }

    [Fact]
    public void Every_stage_and_the_whole_run_are_measured_with_their_tags()
    {
        using var harness = new WorkflowHarness(
            extraPlugins: new Dictionary<string, string> { ["clinic_trap"] = TrappingPlugin },
            categories: new Dictionary<string, string[]> { ["oncology"] = ["clinic_trap"] });
        using var started = new MetricCollector<long>(harness.MeterFactory, MetricCatalog.Meters.Workflows, Started);
        using var completed = new MetricCollector<long>(harness.MeterFactory, MetricCatalog.Meters.Workflows, Completed);
        using var duration = new MetricCollector<double>(harness.MeterFactory, MetricCatalog.Meters.Workflows, Duration);

        harness.Pipeline.Run(new WorkflowDocument(WorkflowTestData.Payload(WorkflowTestData.CleanBody, category: "pediatrics")));
        harness.Pipeline.Run(new WorkflowDocument(WorkflowTestData.Payload("Resultado garantido.", category: "dermatology")));
        harness.Pipeline.Run(new WorkflowDocument(WorkflowTestData.Payload(WorkflowTestData.CleanBody, category: "oncology")));
        harness.Pipeline.Run(new WorkflowDocument(WorkflowTestData.Payload(WorkflowTestData.CleanBody, category: "not-a-category")));

        var starts = started.GetMeasurementSnapshot();
        Assert.All(starts, m => Assert.Equal(["medical_category", "workflow_stage"], m.Tags.Keys.Order()));
        Assert.Equal(4, starts.Count(m => Equals(m.Tags["workflow_stage"], "pipeline")));
        Assert.Equal(4, starts.Count(m => Equals(m.Tags["workflow_stage"], "lgpd")));
        Assert.Contains(starts, m => Equals(m.Tags["workflow_stage"], "plugin") && Equals(m.Tags["medical_category"], "pediatrics"));
        // an unknown category is measured (and configured) as general
        Assert.Contains(starts, m => Equals(m.Tags["medical_category"], "general"));

        var ends = completed.GetMeasurementSnapshot();
        Assert.All(ends, m => Assert.Equal(["medical_category", "result", "workflow_stage"], m.Tags.Keys.Order()));
        string[] Results(string stage, string category) => ends
            .Where(m => Equals(m.Tags["workflow_stage"], stage) && Equals(m.Tags["medical_category"], category))
            .Select(m => (string)m.Tags["result"]!).ToArray();
        Assert.Equal(["ok"], Results("pipeline", "pediatrics"));
        Assert.Equal(["rejected"], Results("pipeline", "dermatology"));
        Assert.Equal(["rejected"], Results("cfm", "dermatology"));
        Assert.Equal(["error"], Results("pipeline", "oncology"));
        Assert.Equal(["error"], Results("plugin", "oncology"));
        Assert.Equal(["ok"], Results("lgpd", "oncology"));

        var durations = duration.GetMeasurementSnapshot();
        Assert.All(durations, m => Assert.Equal(["workflow_stage"], m.Tags.Keys));
        Assert.Equal(["cfm", "lgpd", "medical", "pipeline", "plugin"],
            durations.Select(m => (string)m.Tags["workflow_stage"]!).Distinct().Order());
        Assert.All(durations, m => Assert.True(m.Value >= 0));
    }

    [Fact]
    public void Positions_are_utf16_offsets_into_title_and_body()
    {
        var document = new WorkflowDocument(WorkflowTestData.Payload("Texto com CPF 529.982.247-25.", title: "Atenção ao CPF"));

        var finding = Assert.Single(new HealthcareCms.Workflows.Rules.Lgpd.LgpdStage().Evaluate(document));

        Assert.Equal("Atenção ao CPF\n\n", document.Text[..document.BodyOffset]);
        Assert.Equal("529.982.247-25", document.Text.Substring(finding.Start, finding.Length));
        Assert.Equal(document.BodyOffset + "Texto com CPF ".Length, finding.Start);
    }

    private sealed class ThrowingStage : IRuleStage
    {
        public string Name => "throwing";

        public IReadOnlyList<RuleDefinition> Rules => [];

        public IReadOnlyList<Finding> Evaluate(WorkflowDocument document) =>
            throw new InvalidOperationException("boom near " + document.Text);
    }
}
