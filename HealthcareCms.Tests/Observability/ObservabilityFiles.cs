using System.Text.Json;
using System.Text.Json.Nodes;
using HealthcareCms.Tests.Infrastructure;
using YamlDotNet.Serialization;

namespace HealthcareCms.Tests.Observability;

public enum ExpressionKind
{
    Recording,
    Alert,
    DashboardTarget,
    DashboardVariable,
}

/// <summary>One PromQL expression of the repository, with where it lives.</summary>
public sealed record PromExpression(
    ExpressionKind Kind, string Source, string Name, string Expr, IReadOnlyDictionary<string, string> RuleLabels)
{
    public override string ToString() => $"{Source} · {Name}";
}

public sealed record AlertRule(
    string File, string Name, string Expr, IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, string> Annotations);

/// <summary>Reads the rule files, promtool test files and dashboards of <c>observability/</c>.</summary>
public static class ObservabilityFiles
{
    public static string RulesDirectory => Repository.PathOf("observability", "prometheus", "rules");
    public static string TestsDirectory => Repository.PathOf("observability", "prometheus", "tests");
    public static string DashboardsDirectory => Repository.PathOf("observability", "grafana", "dashboards");

    public static IReadOnlyList<string> RuleFiles => Directory.GetFiles(RulesDirectory, "*.yml").Order().ToArray();
    public static IReadOnlyList<string> RuleTestFiles => Directory.GetFiles(TestsDirectory, "*.yml").Order().ToArray();
    public static IReadOnlyList<string> DashboardFiles => Directory.GetFiles(DashboardsDirectory, "*.json").Order().ToArray();

    /// <summary>A YAML file as a JSON tree (scalars as strings).</summary>
    public static JsonNode Yaml(string path)
    {
        var graph = new DeserializerBuilder().Build().Deserialize<object>(File.ReadAllText(path));
        var json = new SerializerBuilder().JsonCompatible().Build().Serialize(graph);
        return JsonNode.Parse(json)!;
    }

    public static JsonNode Dashboard(string path) => JsonNode.Parse(File.ReadAllText(path))!;

    public static IEnumerable<JsonNode> Rules(string file) =>
        Yaml(file)["groups"]!.AsArray().SelectMany(g => g!["rules"]!.AsArray()).Select(r => r!);

    public static IReadOnlyList<AlertRule> Alerts() =>
        RuleFiles.SelectMany(file => Rules(file)
                .Where(r => r["alert"] is not null)
                .Select(r => new AlertRule(Path.GetFileName(file), (string)r["alert"]!, (string)r["expr"]!, Map(r["labels"]), Map(r["annotations"]))))
            .ToArray();

    public static IReadOnlyList<PromExpression> RuleExpressions() =>
        RuleFiles.SelectMany(file => Rules(file).Select(r => r["alert"] is { } alert
                ? new PromExpression(ExpressionKind.Alert, Path.GetFileName(file), (string)alert!, (string)r["expr"]!, Map(r["labels"]))
                : new PromExpression(ExpressionKind.Recording, Path.GetFileName(file), (string)r["record"]!, (string)r["expr"]!, Map(r["labels"]))))
            .ToArray();

    public static IReadOnlyList<PromExpression> DashboardExpressions()
    {
        var expressions = new List<PromExpression>();
        foreach (var file in DashboardFiles)
        {
            var dashboard = Dashboard(file);
            var source = Path.GetFileName(file);
            foreach (var variable in dashboard["templating"]!["list"]!.AsArray())
            {
                var query = (string)variable!["query"]!["query"]!;
                expressions.Add(new PromExpression(ExpressionKind.DashboardVariable, source, $"${variable["name"]}", query, Empty));
            }

            foreach (var panel in dashboard["panels"]!.AsArray())
            {
                foreach (var target in panel!["targets"]!.AsArray())
                {
                    expressions.Add(new PromExpression(
                        ExpressionKind.DashboardTarget, source, $"{panel["title"]} [{target!["legendFormat"]}]", (string)target["expr"]!, Empty));
                }
            }
        }

        return expressions;
    }

    public static IReadOnlyList<PromExpression> AllExpressions() => [.. RuleExpressions(), .. DashboardExpressions()];

    /// <summary>
    /// The expression as Prometheus will run it: dashboard variables replaced by the dashboards' "All"
    /// value (<c>.+</c>), Grafana's interval variables by concrete durations, and a <c>label_values(q, l)</c>
    /// variable query by its series query <c>q</c>.
    /// </summary>
    public static string Concrete(PromExpression expression)
    {
        var expr = expression.Expr
            .Replace("$__rate_interval", "1m")
            .Replace("$__interval", "15s")
            .Replace("$__range", "1h")
            .Replace("$job", ".+")
            .Replace("$instance", ".+");
        if (expression.Kind == ExpressionKind.DashboardVariable && expr.StartsWith("label_values(", StringComparison.Ordinal))
        {
            var inner = expr["label_values(".Length..^1];
            expr = inner[..inner.LastIndexOf(',')];
        }

        return expr;
    }

    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();

    private static IReadOnlyDictionary<string, string> Map(JsonNode? node) =>
        node is null ? Empty : node.AsObject().ToDictionary(p => p.Key, p => (string)p.Value!);

    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
}
