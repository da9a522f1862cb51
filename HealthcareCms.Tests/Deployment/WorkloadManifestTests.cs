using k8s;
using k8s.Models;

namespace HealthcareCms.Tests.Deployment;

/// <summary>Security, resources, images and roll-out of every pod the overlays create.</summary>
public sealed class WorkloadManifestTests
{
    public static TheoryData<string> Overlays => [.. RenderedOverlay.Overlays];

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task The_overlay_renders_every_object_the_system_needs(string overlay)
    {
        var manifests = await RenderedOverlay.LoadAsync(overlay);

        Assert.Equal(RenderedOverlay.Services.Order(), manifests.All<V1Deployment>().Select(d => d.Metadata.Name).Order());
        Assert.Equal(RenderedOverlay.Services.Order(), manifests.All<V1Service>().Select(s => s.Metadata.Name).Where(RenderedOverlay.Services.Contains).Order());
        Assert.Equal(["api-migrate", "workflows-migrate"], manifests.All<V1Job>().Select(j => j.Metadata.Name).Order());
        Assert.Single(manifests.All<V1Ingress>());
        Assert.Single(manifests.All<PodMonitor>());
        Assert.Equal(3, manifests.All<V1PodDisruptionBudget>().Count());
        Assert.Equal(2, manifests.All<V2HorizontalPodAutoscaler>().Count());
        Assert.NotEmpty(manifests.All<V1NetworkPolicy>());

        // Everything lands in the overlay's namespace, which enforces the "restricted" Pod Security Standard.
        var ns = manifests.Single<V1Namespace>();
        Assert.Equal("restricted", ns.Metadata.Labels["pod-security.kubernetes.io/enforce"]);
        Assert.All(manifests.Objects.Where(o => o is not V1Namespace), o => Assert.Equal(ns.Metadata.Name, Metadata(o).NamespaceProperty));
    }

    [Fact]
    public async Task Production_uses_an_external_database_and_development_runs_a_pinned_one_in_the_cluster()
    {
        var prod = await RenderedOverlay.LoadAsync("prod");
        var dev = await RenderedOverlay.LoadAsync("dev");

        Assert.Empty(prod.All<V1StatefulSet>());
        var postgres = Assert.Single(dev.All<V1StatefulSet>());
        Assert.Matches(@"^postgres:\d+\.\d+(-[a-z]+)?$", Assert.Single(postgres.Spec.Template.Spec.Containers).Image);
        Assert.Contains(dev.All<V1Service>(), s => s.Metadata.Name == "postgres" && s.Spec.Selector.Matches(postgres.Spec.Template.Metadata.Labels));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task No_object_carries_a_secret_value(string overlay)
    {
        var manifests = await RenderedOverlay.LoadAsync(overlay);

        Assert.Empty(manifests.All<V1Secret>());
        foreach (var workload in manifests.Workloads)
        {
            // Values come from Secrets by reference; literal values only for non-secret settings.
            Assert.All(workload.Container.Env ?? [], env => Assert.False(
                env.Value is not null && (env.Name.Contains("Password", StringComparison.OrdinalIgnoreCase)
                    || env.Name.Contains("Key", StringComparison.OrdinalIgnoreCase)
                    || env.Name.StartsWith("ConnectionStrings__", StringComparison.Ordinal)),
                $"{workload}: {env.Name} has a literal value"));
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Every_pod_runs_non_root_read_only_without_capabilities_under_the_runtime_seccomp_profile(string overlay)
    {
        var manifests = await RenderedOverlay.LoadAsync(overlay);

        Assert.NotEmpty(manifests.Workloads);
        foreach (var workload in manifests.Workloads)
        {
            var pod = workload.Pod.SecurityContext;
            Assert.True(pod.RunAsNonRoot, $"{workload}: runAsNonRoot");
            Assert.True(pod.RunAsUser is > 0, $"{workload}: runAsUser must be a non-root UID");
            Assert.Equal("RuntimeDefault", pod.SeccompProfile?.Type);
            Assert.False(workload.Pod.AutomountServiceAccountToken ?? true, $"{workload}: no Kubernetes API token is needed");
            Assert.Null(workload.Pod.HostNetwork);
            Assert.Null(workload.Pod.HostPID);
            Assert.Null(workload.Pod.HostIPC);
            // Pod Security "restricted" volume types (no hostPath); emptyDir and ConfigMaps are all this system uses.
            Assert.All(workload.Pod.Volumes ?? [], v => Assert.True(v.EmptyDir is not null || v.ConfigMap is not null || v.PersistentVolumeClaim is not null, $"{workload}: volume {v.Name}"));

            foreach (var container in workload.Pod.Containers.Concat(workload.Pod.InitContainers ?? []))
            {
                var security = container.SecurityContext;
                Assert.False(security.AllowPrivilegeEscalation ?? true, $"{workload}/{container.Name}: allowPrivilegeEscalation");
                Assert.True(security.ReadOnlyRootFilesystem, $"{workload}/{container.Name}: readOnlyRootFilesystem");
                Assert.Equal(["ALL"], security.Capabilities.Drop);
                Assert.Null(security.Capabilities.Add);
                Assert.NotEqual(true, security.Privileged);
                Assert.All(container.Ports ?? [], p => Assert.Null(p.HostPort));

                // A read-only root needs a writable /tmp (the .NET runtime's diagnostics and temp files).
                var tmp = Assert.Single(container.VolumeMounts, m => m.MountPath == "/tmp");
                Assert.NotNull(Assert.Single(workload.Pod.Volumes ?? [], v => v.Name == tmp.Name).EmptyDir);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Every_container_has_cpu_and_memory_requests_within_its_limits(string overlay)
    {
        var manifests = await RenderedOverlay.LoadAsync(overlay);

        foreach (var workload in manifests.Workloads)
        {
            var resources = workload.Container.Resources;
            foreach (var resource in new[] { "cpu", "memory" })
            {
                var request = resources.Requests[resource].ToDecimal();
                var limit = resources.Limits[resource].ToDecimal();
                Assert.True(request > 0 && request <= limit, $"{workload}: {resource} request {request} / limit {limit}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Every_image_is_pinned_to_a_version(string overlay)
    {
        var manifests = await RenderedOverlay.LoadAsync(overlay);

        foreach (var workload in manifests.Workloads)
        {
            foreach (var container in workload.Pod.Containers.Concat(workload.Pod.InitContainers ?? []))
            {
                var image = container.Image;
                var name = image.Split('@')[0];
                var lastSegment = name[(name.LastIndexOf('/') + 1)..];
                var tag = lastSegment.Contains(':') ? lastSegment[(lastSegment.IndexOf(':') + 1)..] : null;
                Assert.True(image.Contains("@sha256:", StringComparison.Ordinal) || tag is not null, $"{workload}: '{image}' has no tag");
                Assert.NotEqual("latest", tag);
                Assert.NotEqual("Always", container.ImagePullPolicy);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Deployments_roll_out_without_losing_capacity(string overlay)
    {
        var manifests = await RenderedOverlay.LoadAsync(overlay);

        foreach (var deployment in manifests.All<V1Deployment>())
        {
            Assert.Equal("RollingUpdate", deployment.Spec.Strategy.Type);
            Assert.Equal("0", deployment.Spec.Strategy.RollingUpdate.MaxUnavailable.Value);
            Assert.True(deployment.Spec.Selector.Matches(deployment.Spec.Template.Metadata.Labels));
        }
    }

    internal static V1ObjectMeta Metadata(object o) =>
        o switch
        {
            IMetadata<V1ObjectMeta> m => m.Metadata,
            PodMonitor p => p.Metadata,
            PrometheusRule r => r.Metadata,
            _ => throw new InvalidOperationException($"No metadata on {o.GetType().Name}"),
        };
}
