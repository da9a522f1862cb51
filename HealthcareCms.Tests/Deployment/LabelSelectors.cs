using k8s.Models;

namespace HealthcareCms.Tests.Deployment;

/// <summary>Kubernetes label-selector semantics (matchLabels AND matchExpressions).</summary>
internal static class LabelSelectors
{
    public static bool Matches(this V1LabelSelector? selector, IDictionary<string, string>? labels)
    {
        labels ??= new Dictionary<string, string>();
        if (selector is null)
        {
            return true;
        }

        var byLabels = (selector.MatchLabels ?? new Dictionary<string, string>())
            .All(pair => labels.TryGetValue(pair.Key, out var value) && value == pair.Value);
        var byExpressions = (selector.MatchExpressions ?? []).All(e => e.OperatorProperty switch
        {
            "In" => labels.TryGetValue(e.Key, out var value) && e.Values.Contains(value),
            "NotIn" => !labels.TryGetValue(e.Key, out var value) || !e.Values.Contains(value),
            "Exists" => labels.ContainsKey(e.Key),
            "DoesNotExist" => !labels.ContainsKey(e.Key),
            _ => throw new InvalidOperationException($"Unknown selector operator {e.OperatorProperty}"),
        });
        return byLabels && byExpressions;
    }

    public static bool Matches(this IDictionary<string, string>? serviceSelector, IDictionary<string, string>? labels) =>
        serviceSelector is { Count: > 0 } && new V1LabelSelector { MatchLabels = serviceSelector }.Matches(labels);
}
