using System.Globalization;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace HealthcareCms.Tests.Deployment;

/// <summary>Disruption budgets, autoscaling, graceful shutdown and the once-per-release migrations.</summary>
public sealed class ScalingAndReleaseTests
{
    public static TheoryData<string> Overlays => [.. RenderedOverlay.Overlays];

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Every_service_has_a_disruption_budget_that_lets_drains_progress(string overlay)
    {
        var manifests = await RenderedOverlay.LoadAsync(overlay);

        foreach (var service in RenderedOverlay.Services)
        {
            var labels = manifests.Workload(service).Labels;
            var budget = Assert.Single(manifests.All<V1PodDisruptionBudget>(), b => b.Spec.Selector.Matches(labels));
            Assert.Equal("1", budget.Spec.MaxUnavailable?.Value);
            Assert.Equal("AlwaysAllow", budget.Spec.UnhealthyPodEvictionPolicy);
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task The_api_and_the_worker_scale_horizontally_and_the_autoscaler_owns_their_replica_count(string overlay)
    {
        var manifests = await RenderedOverlay.LoadAsync(overlay);

        var scaled = manifests.All<V2HorizontalPodAutoscaler>().ToDictionary(h => h.Spec.ScaleTargetRef.Name);
        Assert.Equal(["api", "workflows"], scaled.Keys.Order());
        foreach (var (name, autoscaler) in scaled)
        {
            Assert.Equal("Deployment", autoscaler.Spec.ScaleTargetRef.Kind);
            Assert.True(autoscaler.Spec.MinReplicas >= 1 && autoscaler.Spec.MaxReplicas > autoscaler.Spec.MinReplicas);
            Assert.Contains(autoscaler.Spec.Metrics, m => m.Resource?.Name == "cpu");
            // CPU utilization is relative to the request, so the request must exist.
            Assert.NotNull(manifests.Workload(name).Container.Resources.Requests["cpu"]);
            // Re-applying a replica count would undo the autoscaler's decision.
            Assert.Null(manifests.Deployment(name).Spec.Replicas);
        }

        if (overlay == "prod")
        {
            Assert.All(scaled.Values, h => Assert.True(h.Spec.MinReplicas >= 2));
            Assert.True(manifests.Deployment("policy").Spec.Replicas >= 2);
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Shutdown_drains_before_the_kubelet_kills_and_the_worker_gets_a_full_lease(string overlay)
    {
        var manifests = await RenderedOverlay.LoadAsync(overlay);

        foreach (var service in RenderedOverlay.Services)
        {
            var workload = manifests.Workload(service);
            var preStop = workload.Container.Lifecycle?.PreStop?.Sleep?.Seconds ?? 0;
            var shutdown = ShutdownTimeout(manifests, service);
            var grace = workload.Pod.TerminationGracePeriodSeconds ?? 30;
            Assert.True(preStop > 0, $"{service}: a preStop pause lets endpoints be removed before the listener stops");
            Assert.True(preStop + shutdown.TotalSeconds + 5 <= grace, $"{service}: preStop {preStop} s + shutdown {shutdown} + 5 s margin > grace {grace} s");
        }

        // The worker finishes the jobs in hand on SIGTERM for up to one lease.
        var lease = TimeSpan.Parse(manifests.EnvironmentValue(manifests.Workload("workflows").Container, "Workflows__Queue__LeaseDuration")!, CultureInfo.InvariantCulture);
        Assert.Equal(lease, ShutdownTimeout(manifests, "workflows"));
    }

    /// <summary>
    /// The host's shutdown timeout: DOTNET_SHUTDOWNTIMEOUTSECONDS, except for the worker, which sets the
    /// host's timeout from Workflows:Queue:ShutdownTimeout.
    /// </summary>
    private static TimeSpan ShutdownTimeout(RenderedOverlay manifests, string service)
    {
        var container = manifests.Workload(service).Container;
        return service == "workflows"
            ? TimeSpan.Parse(manifests.EnvironmentValue(container, "Workflows__Queue__ShutdownTimeout")!, CultureInfo.InvariantCulture)
            : TimeSpan.FromSeconds(int.Parse(manifests.EnvironmentValue(container, "DOTNET_SHUTDOWNTIMEOUTSECONDS")!, CultureInfo.InvariantCulture));
    }

    [Fact]
    public void The_shutdown_timeout_setting_reaches_the_host()
    {
        // DOTNET_SHUTDOWNTIMEOUTSECONDS arrives as the host setting "shutdownTimeoutSeconds".
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection([KeyValuePair.Create<string, string?>("shutdownTimeoutSeconds", "37")]);
        using var app = builder.Build();

        var options = app.Services.GetRequiredService<IOptions<HostOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(37), options.ShutdownTimeout);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Migrations_run_once_per_release_in_Jobs_and_replicas_never_migrate(string overlay)
    {
        var manifests = await RenderedOverlay.LoadAsync(overlay);

        foreach (var service in new[] { "api", "workflows" })
        {
            var replica = manifests.Workload(service).Container;
            Assert.Equal("false", manifests.EnvironmentValue(replica, "Database__MigrateOnStartup"));

            var job = Assert.Single(manifests.All<V1Job>(), j => j.Metadata.Name == $"{service}-migrate");
            var migrate = Assert.Single(job.Spec.Template.Spec.Containers);
            Assert.Equal(replica.Image, migrate.Image);
            Assert.Equal([HealthcareCms.Api.Data.DatabaseMigrator.MigrateOnlyArgument], migrate.Args);
            Assert.Null(migrate.Command);
            Assert.Equal("Never", job.Spec.Template.Spec.RestartPolicy);
            Assert.True(job.Spec.BackoffLimit is > 0 and <= 5);
            Assert.NotNull(job.Spec.ActiveDeadlineSeconds);
            // The same database as the replicas, and the management port the service requires outside Development.
            Assert.Equal(SecretRef(replica, "ConnectionStrings__cmsdb"), SecretRef(migrate, "ConnectionStrings__cmsdb"));
            Assert.NotNull(manifests.EnvironmentValue(migrate, "MANAGEMENT_HTTP_PORT"));
        }
    }

    private static (string, string) SecretRef(V1Container container, string name)
    {
        var reference = Assert.Single(container.Env, e => e.Name == name).ValueFrom.SecretKeyRef;
        return (reference.Name, reference.Key);
    }
}
