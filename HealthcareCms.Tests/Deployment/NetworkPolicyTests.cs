using System.Net;
using k8s.Models;

namespace HealthcareCms.Tests.Deployment;

/// <summary>
/// The rendered NetworkPolicies, evaluated with Kubernetes semantics against the flows the system needs
/// (allowed) and the ones it must not have (denied).
/// </summary>
public sealed class NetworkPolicyTests
{
    public static TheoryData<string> Overlays => [.. RenderedOverlay.Overlays];

    private const int Public = 8080;
    private const int Management = 8081;
    private const int Postgres = 5432;

    private static readonly PodPeer IngressController = new("ingress-nginx", new Dictionary<string, string> { ["app.kubernetes.io/name"] = "ingress-nginx" });
    private static readonly PodPeer Prometheus = new("monitoring", new Dictionary<string, string> { ["app.kubernetes.io/name"] = "prometheus" });
    private static readonly PodPeer ClusterDns = new("kube-system", new Dictionary<string, string> { ["k8s-app"] = "kube-dns" });
    private static readonly PodPeer OtherTenant = new("other-team", new Dictionary<string, string> { ["app.kubernetes.io/name"] = "api" });
    private static readonly AddressPeer ManagedPostgres = new(IPAddress.Parse("10.20.30.40"));
    private static readonly AddressPeer Internet = new(IPAddress.Parse("203.0.113.10"));

    private sealed record Cluster(RenderedOverlay Manifests, NetworkPolicyEvaluator Policies)
    {
        public PodPeer Pod(string workload) =>
            Manifests.Workload(workload) is var w ? new PodPeer(Manifests.Namespace, w.Labels, w.Pod) : throw new InvalidOperationException();

        public PodPeer Database =>
            Manifests.All<V1StatefulSet>().SingleOrDefault(s => s.Metadata.Name == "postgres") is { } postgres
                ? new PodPeer(Manifests.Namespace, postgres.Spec.Template.Metadata.Labels, postgres.Spec.Template.Spec)
                : throw new InvalidOperationException("No in-cluster database in this overlay.");

        public bool Allows(Peer from, Peer to, int port, string protocol = "TCP") => Policies.Allows(from, to, port, protocol);

        public bool Denies(Peer from, Peer to, int port) => Policies.DeniesAtEachEnd(from, to, port);
    }

    private static async Task<Cluster> LoadAsync(string overlay)
    {
        var manifests = await RenderedOverlay.LoadAsync(overlay);
        return new Cluster(manifests, new NetworkPolicyEvaluator(manifests.Namespace, [.. manifests.All<V1NetworkPolicy>()]));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Everything_is_denied_by_default_in_both_directions(string overlay)
    {
        var cluster = await LoadAsync(overlay);

        Assert.Contains(cluster.Manifests.All<V1NetworkPolicy>(), p =>
            p.Spec.PodSelector.MatchLabels is null && p.Spec.PodSelector.MatchExpressions is null
            && p.Spec.PolicyTypes.Order().SequenceEqual(["Egress", "Ingress"])
            && p.Spec.Ingress is null && p.Spec.Egress is null);

        // Every workload is selected by some policy in both directions: nothing is open by omission.
        foreach (var workload in cluster.Manifests.Workloads)
        {
            Assert.True(cluster.Denies(OtherTenant, cluster.Pod(workload.Name), Public), $"{workload} is reachable from another namespace");
            Assert.False(cluster.Allows(cluster.Pod(workload.Name), Internet, 443), $"{workload} reaches the internet");
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task The_api_is_reachable_from_the_ingress_controller_on_its_public_port_only(string overlay)
    {
        var cluster = await LoadAsync(overlay);
        var api = cluster.Pod("api");

        Assert.True(cluster.Allows(IngressController, api, Public));
        Assert.True(cluster.Denies(IngressController, api, Management));
        Assert.True(cluster.Denies(IngressController, cluster.Pod("policy"), Public));
        Assert.True(cluster.Denies(IngressController, cluster.Pod("workflows"), Public));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Nothing_but_the_ingress_controller_reaches_the_api_which_trusts_its_forwarded_client_address(string overlay)
    {
        var cluster = await LoadAsync(overlay);
        var api = cluster.Pod("api");
        Assert.Equal("true", cluster.Manifests.EnvironmentValue(cluster.Manifests.Workload("api").Container, "ASPNETCORE_FORWARDEDHEADERS_ENABLED"));

        foreach (var workload in cluster.Manifests.Workloads.Where(w => w.Name != "api"))
        {
            Assert.True(cluster.Denies(cluster.Pod(workload.Name), api, Public), $"{workload} reaches the api and could forge X-Forwarded-For");
        }

        Assert.True(cluster.Denies(Prometheus, api, Public));
        Assert.True(cluster.Denies(OtherTenant, api, Public));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Policy_and_workflows_are_reachable_from_the_api_only(string overlay)
    {
        var cluster = await LoadAsync(overlay);
        var (api, policy, workflows) = (cluster.Pod("api"), cluster.Pod("policy"), cluster.Pod("workflows"));

        Assert.True(cluster.Allows(api, policy, Public));
        Assert.True(cluster.Allows(api, workflows, Public));
        Assert.True(cluster.Denies(workflows, policy, Public));
        Assert.True(cluster.Denies(policy, workflows, Public));
        Assert.True(cluster.Denies(api, policy, Management));
        Assert.True(cluster.Denies(cluster.Pod("api-migrate"), policy, Public));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Prometheus_reaches_every_management_port_and_nothing_else(string overlay)
    {
        var cluster = await LoadAsync(overlay);

        foreach (var service in RenderedOverlay.Services)
        {
            Assert.True(cluster.Allows(Prometheus, cluster.Pod(service), Management), $"Prometheus cannot scrape {service}");
            Assert.True(cluster.Denies(Prometheus, cluster.Pod(service), Public), $"Prometheus reaches {service}'s public port");
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Every_pod_resolves_names_through_the_cluster_DNS(string overlay)
    {
        var cluster = await LoadAsync(overlay);

        foreach (var workload in cluster.Manifests.Workloads)
        {
            Assert.True(cluster.Allows(cluster.Pod(workload.Name), ClusterDns, 53, "UDP"), $"{workload}: DNS over UDP");
            Assert.True(cluster.Allows(cluster.Pod(workload.Name), ClusterDns, 53, "TCP"), $"{workload}: DNS over TCP");
        }
    }

    [Fact]
    public async Task In_production_only_the_data_owners_and_their_migrations_reach_the_external_database()
    {
        var cluster = await LoadAsync("prod");

        foreach (var client in new[] { "api", "workflows", "api-migrate", "workflows-migrate" })
        {
            Assert.True(cluster.Allows(cluster.Pod(client), ManagedPostgres, Postgres), $"{client} cannot reach PostgreSQL");
            Assert.False(cluster.Allows(cluster.Pod(client), ManagedPostgres, 22), $"{client} reaches the database host on another port");
        }

        Assert.True(cluster.Denies(cluster.Pod("policy"), ManagedPostgres, Postgres));
    }

    [Fact]
    public async Task In_development_only_the_data_owners_and_their_migrations_reach_the_in_cluster_database()
    {
        var cluster = await LoadAsync("dev");
        var database = cluster.Database;

        foreach (var client in new[] { "api", "workflows", "api-migrate", "workflows-migrate" })
        {
            Assert.True(cluster.Allows(cluster.Pod(client), database, Postgres), $"{client} cannot reach PostgreSQL");
        }

        Assert.True(cluster.Denies(cluster.Pod("policy"), database, Postgres));
        Assert.True(cluster.Denies(IngressController, database, Postgres));
        Assert.False(cluster.Allows(database, Internet, 443));
    }
}
