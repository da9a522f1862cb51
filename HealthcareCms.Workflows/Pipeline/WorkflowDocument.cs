using System.Text.Json;
using System.Text.Json.Serialization;

namespace HealthcareCms.Workflows.Pipeline;

/// <summary>The author byline as the Api snapshots it from the author's profile at submission.</summary>
public sealed record AuthorByline(string? DisplayName, string? Crm, string? Uf, string? Rqe, string? Specialty);

/// <summary>The job payload the Api writes into <c>workflow.jobs.payload</c> (CONTRACTS §4).</summary>
public sealed record WorkflowPayload(
    Guid PostId,
    int Version,
    string? Title,
    string? Body,
    string? MedicalCategory,
    AuthorByline? Author,
    IReadOnlyList<string>? PatientConsentIds)
{
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static WorkflowPayload Parse(string json) =>
        JsonSerializer.Deserialize<WorkflowPayload>(json, JsonOptions)
        ?? throw new JsonException("The workflow payload is null.");
}

/// <summary>
/// What the stages validate: the title and the body joined as <c>title + "\n\n" + body</c>. Every finding's
/// <c>start</c>/<c>length</c> are UTF-16 offsets into this text (JavaScript string indices), so a position
/// below <see cref="BodyOffset"/> is in the title. Byline findings (no position in the text) are 0/0.
/// </summary>
public sealed class WorkflowDocument
{
    public const string TitleSeparator = "\n\n";

    public WorkflowDocument(WorkflowPayload payload)
    {
        Payload = payload;
        var title = payload.Title ?? "";
        Text = title + TitleSeparator + (payload.Body ?? "");
        BodyOffset = title.Length + TitleSeparator.Length;
    }

    public WorkflowPayload Payload { get; }

    public string Text { get; }

    public int BodyOffset { get; }

    public AuthorByline Author => Payload.Author ?? new AuthorByline(null, null, null, null, null);

    public IReadOnlyList<string> PatientConsentIds => Payload.PatientConsentIds ?? [];

    /// <summary>The medical category as a metric/config key: one of the catalogue's values or <c>general</c>.</summary>
    public string Category => MedicalCategories.Normalize(Payload.MedicalCategory);
}

public static class MedicalCategories
{
    public static string Normalize(string? category) =>
        category is not null
        && Array.IndexOf(HealthcareCms.ServiceDefaults.Telemetry.MetricCatalog.Values.MedicalCategories, category) >= 0
            ? category
            : "general";
}

/// <summary>One problem in the text: the rule that found it, a bilingual message, and where it is.</summary>
public sealed record Finding(string RuleId, string Message, int Start, int Length);

public static class StageResults
{
    public const string Pass = "pass";
    public const string Fail = "fail";
    public const string Error = "error";
    public const string Skipped = "skipped";
}

/// <summary>
/// The result of one stage. <see cref="ErrorClass"/> is set only when <see cref="Result"/> is
/// <c>error</c>: a closed, non-personal classification (<c>exception</c>, or a plugin's <c>trap</c>,
/// <c>out_of_fuel</c>, <c>timeout</c>, <c>memory</c>, <c>abi</c>).
/// </summary>
public sealed record StageOutcome(string Stage, string Result, IReadOnlyList<Finding> Findings, double DurationSeconds, string? ErrorClass = null)
{
    public static string ResultFor(IReadOnlyList<Finding> findings) => findings.Count == 0 ? StageResults.Pass : StageResults.Fail;
}

public static class JobOutcomes
{
    public const string Approved = "approved";
    public const string ChangesRequested = "changes_requested";
}

/// <summary>What a pipeline run decided for one job attempt.</summary>
public sealed record PipelineRun(IReadOnlyList<StageOutcome> Stages)
{
    /// <summary>Any stage in <c>error</c>: the attempt failed technically and the job is retried.</summary>
    public bool HasError => Stages.Any(s => s.Result == StageResults.Error);

    /// <summary><c>approved</c> when every stage passed (or was skipped), <c>changes_requested</c> on any <c>fail</c>.</summary>
    public string Outcome => Stages.Any(s => s.Result == StageResults.Fail) ? JobOutcomes.ChangesRequested : JobOutcomes.Approved;

    /// <summary>Non-personal error summary stored in <c>last_error</c>: <c>stage_error: plugin:glossary=timeout, ...</c>.</summary>
    public string ErrorSummary => "stage_error: " + string.Join(", ",
        Stages.Where(s => s.Result == StageResults.Error).Select(s => $"{s.Stage}={s.ErrorClass}"));
}
