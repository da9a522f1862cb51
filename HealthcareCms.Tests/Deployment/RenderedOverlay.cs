using System.Collections.Concurrent;
using k8s;
using k8s.Models;

namespace HealthcareCms.Tests.Deployment;

/// <summary>
/// One overlay rendered by the real <c>kubectl kustomize</c> and loaded with the official Kubernetes
/// client's models, strictly (an unknown or misspelt field is an error, as the API server's schema
/// would make it).
/// </summary>
public sealed class RenderedOverlay
{
    public static readonly string[] Overlays = ["dev", "prod"];
    public static readonly string[] Services = ["api", "policy", "workflows"];

    private static readonly ConcurrentDictionary<string, Lazy<Task<RenderedOverlay>>> Cache = new();

    private static readonly Dictionary<string, Type> CustomTypes = new()
    {
        [PodMonitor.TypeKey] = typeof(PodMonitor),
        [PrometheusRule.TypeKey] = typeof(PrometheusRule),
    };

    private RenderedOverlay(IReadOnlyList<object> objects) => Objects = objects;

    public IReadOnlyList<object> Objects { get; }

    public string Namespace => Single<V1Namespace>().Metadata.Name;

    public static Task<RenderedOverlay> LoadAsync(string overlay) =>
        Cache.GetOrAdd(overlay, name => new Lazy<Task<RenderedOverlay>>(() => RenderAsync(name))).Value;

    public static string DirectoryOf(string overlay) => Infrastructure.Repository.PathOf("deploy", "k8s", "overlays", overlay);

    private static async Task<RenderedOverlay> RenderAsync(string overlay)
    {
        var yaml = await CommandLine.RunCheckedAsync("kubectl", "kustomize", DirectoryOf(overlay));
        var objects = KubernetesYaml.LoadAllFromString(yaml, CustomTypes, strict: true);
        return new RenderedOverlay(objects);
    }

    public IEnumerable<T> All<T>() => Objects.OfType<T>();

    public T Single<T>() => Assert.Single(All<T>());

    public V1Deployment Deployment(string name) => Assert.Single(All<V1Deployment>(), d => d.Metadata.Name == name);

    public V1ConfigMap ConfigMap(string name) => Assert.Single(All<V1ConfigMap>(), c => c.Metadata.Name == name);

    /// <summary>Every pod template in the overlay, with the kind and name of the object that owns it.</summary>
    public IEnumerable<Workload> Workloads =>
        All<V1Deployment>().Select(d => new Workload("Deployment", d.Metadata.Name, d.Spec.Template))
            .Concat(All<V1StatefulSet>().Select(s => new Workload("StatefulSet", s.Metadata.Name, s.Spec.Template)))
            .Concat(All<V1Job>().Select(j => new Workload("Job", j.Metadata.Name, j.Spec.Template)));

    public Workload Workload(string name) => Assert.Single(Workloads, w => w.Name == name);

    /// <summary>The value a container sees for an environment variable set from its env or its ConfigMaps.</summary>
    public string? EnvironmentValue(V1Container container, string name)
    {
        var direct = container.Env?.FirstOrDefault(e => e.Name == name);
        if (direct is not null)
        {
            return direct.Value;
        }

        // Later envFrom sources win, as in the kubelet.
        return (container.EnvFrom ?? [])
            .Where(source => source.ConfigMapRef is not null)
            .Select(source => ConfigMap(source.ConfigMapRef.Name).Data is { } data && data.TryGetValue(name, out var value) ? value : null)
            .LastOrDefault(value => value is not null);
    }
}

public sealed record Workload(string Kind, string Name, V1PodTemplateSpec Template)
{
    public V1PodSpec Pod => Template.Spec;

    public IDictionary<string, string> Labels => Template.Metadata.Labels;

    public V1Container Container => Assert.Single(Pod.Containers);

    public override string ToString() => $"{Kind}/{Name}";
}
