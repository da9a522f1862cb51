using HealthcareCms.ServiceDefaults.Management;
using k8s.Models;

namespace HealthcareCms.Tests.Deployment;

/// <summary>Probes, Services and the Ingress reach ports and paths the services really serve.</summary>
public sealed class ProbeAndServiceTests
{
    public static TheoryData<string> Overlays => [.. RenderedOverlay.Overlays];

    private static int ContainerPort(V1Container container, IntOrString port) =>
        int.TryParse(port.Value, out var number)
            ? number
            : Assert.Single(container.Ports, p => p.Name == port.Value).ContainerPort;

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Probes_target_the_management_port_at_the_paths_ManagementEndpoint_serves(string overlay)
    {
        var manifests = await RenderedOverlay.LoadAsync(overlay);

        foreach (var service in RenderedOverlay.Services)
        {
            var container = manifests.Workload(service).Container;
            var managementPort = int.Parse(manifests.EnvironmentValue(container, ManagementEndpoint.PortEnvironmentVariable)!);
            var publicPort = int.Parse(manifests.EnvironmentValue(container, "ASPNETCORE_HTTP_PORTS")!);
            Assert.NotEqual(publicPort, managementPort);
            Assert.Contains(container.Ports, p => p.ContainerPort == publicPort && p.Name == "http");
            Assert.Contains(container.Ports, p => p.ContainerPort == managementPort && p.Name == "management");

            foreach (var (probe, path) in new[]
            {
                (container.StartupProbe, ManagementEndpoint.AlivePath),
                (container.LivenessProbe, ManagementEndpoint.AlivePath),
                (container.ReadinessProbe, ManagementEndpoint.HealthPath),
            })
            {
                Assert.NotNull(probe);
                Assert.Equal(path, probe.HttpGet.Path);
                Assert.Equal(managementPort, ContainerPort(container, probe.HttpGet.Port));
                Assert.True(ManagementEndpoint.IsManagementPath(new Microsoft.AspNetCore.Http.PathString(probe.HttpGet.Path)));
            }

            // A startup probe that gives up before the app can start would restart it forever.
            Assert.True(container.StartupProbe.PeriodSeconds * container.StartupProbe.FailureThreshold >= 30);
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task The_services_run_outside_Development_where_the_management_port_listens_on_every_interface(string overlay)
    {
        var manifests = await RenderedOverlay.LoadAsync(overlay);

        foreach (var service in RenderedOverlay.Services)
        {
            var environment = manifests.EnvironmentValue(manifests.Workload(service).Container, "ASPNETCORE_ENVIRONMENT");
            Assert.False(string.IsNullOrEmpty(environment));
            Assert.NotEqual("Development", environment);
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Every_Service_selects_pods_and_targets_a_port_they_declare(string overlay)
    {
        var manifests = await RenderedOverlay.LoadAsync(overlay);

        foreach (var service in manifests.All<V1Service>())
        {
            Assert.Equal("ClusterIP", service.Spec.Type);
            var workload = Assert.Single(manifests.Workloads, w => w.Kind != "Job" && service.Spec.Selector.Matches(w.Labels));
            foreach (var port in service.Spec.Ports)
            {
                Assert.Contains(workload.Container.Ports, p => p.Name == port.TargetPort.Value || p.ContainerPort.ToString() == port.TargetPort.Value);
                Assert.NotEqual("management", port.TargetPort.Value);
            }
        }

        // Migration Jobs are never behind a Service.
        Assert.DoesNotContain(manifests.All<V1Service>(), s => manifests.All<V1Job>().Any(j => s.Spec.Selector.Matches(j.Spec.Template.Metadata.Labels)));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Only_the_api_is_public_through_the_Ingress_on_its_public_port(string overlay)
    {
        var manifests = await RenderedOverlay.LoadAsync(overlay);

        var ingress = manifests.Single<V1Ingress>();
        var backends = ingress.Spec.Rules.SelectMany(r => r.Http.Paths).Select(p => p.Backend.Service).ToList();
        Assert.NotEmpty(backends);
        Assert.All(backends, backend =>
        {
            Assert.Equal("api", backend.Name);
            var port = Assert.Single(manifests.All<V1Service>().Single(s => s.Metadata.Name == "api").Spec.Ports, p => p.Name == backend.Port.Name);
            Assert.Equal("http", port.TargetPort.Value);
        });
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task The_api_discovers_the_internal_services_through_their_Services(string overlay)
    {
        var manifests = await RenderedOverlay.LoadAsync(overlay);
        var api = manifests.Workload("api").Container;

        foreach (var target in new[] { "policy", "workflows" })
        {
            var uri = new Uri(manifests.EnvironmentValue(api, $"services__{target}__http__0")!);
            var service = Assert.Single(manifests.All<V1Service>(), s => s.Metadata.Name == uri.Host);
            Assert.Contains(service.Spec.Ports, p => p.Port == uri.Port && p.Name == "http");
            Assert.True(service.Spec.Selector.Matches(manifests.Workload(target).Labels));
        }
    }
}
