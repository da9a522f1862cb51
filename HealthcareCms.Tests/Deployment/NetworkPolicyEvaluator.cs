using System.Globalization;
using System.Net;
using k8s.Models;

namespace HealthcareCms.Tests.Deployment;

/// <summary>A party to a connection: a pod (its namespace's labels and its own) or an address outside the cluster.</summary>
public abstract record Peer;

public sealed record PodPeer(string Namespace, IDictionary<string, string> Labels, V1PodSpec? Spec = null) : Peer
{
    public IDictionary<string, string> NamespaceLabels { get; } =
        new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = Namespace };

    public override string ToString() => $"{Namespace}/{string.Join(',', Labels.Select(l => $"{l.Key}={l.Value}"))}";
}

public sealed record AddressPeer(IPAddress Address) : Peer
{
    public override string ToString() => Address.ToString();
}

/// <summary>
/// Kubernetes NetworkPolicy semantics for one namespace's policies: a connection is allowed when the
/// source's egress and the destination's ingress both allow it. A pod selected by no policy of a
/// direction is open in that direction; selected pods get the union of the rules that select them.
/// Pods of other namespaces (ingress controller, Prometheus, DNS) are not governed by these policies.
/// </summary>
public sealed class NetworkPolicyEvaluator(string @namespace, IReadOnlyList<V1NetworkPolicy> policies)
{
    public bool Allows(Peer from, Peer to, int port, string protocol = "TCP") =>
        EgressAllows(from, to, port, protocol) && IngressAllows(from, to, port, protocol);

    /// <summary>
    /// Defence in depth: the connection is refused by the source's egress rules AND by the destination's
    /// ingress rules, wherever this namespace governs that end; one mistaken policy does not open it.
    /// </summary>
    public bool DeniesAtEachEnd(Peer from, Peer to, int port, string protocol = "TCP") =>
        (!Governs(from) || !EgressAllows(from, to, port, protocol))
        && (!Governs(to) || !IngressAllows(from, to, port, protocol))
        && (Governs(from) || Governs(to));

    private bool Governs(Peer peer) => peer is PodPeer pod && pod.Namespace == @namespace;

    private bool EgressAllows(Peer from, Peer to, int port, string protocol)
    {
        if (from is not PodPeer source || source.Namespace != @namespace)
        {
            return true;
        }

        var selecting = Selecting(source, "Egress").ToList();
        return selecting.Count == 0 || selecting.Any(p => (p.Spec.Egress ?? []).Any(rule =>
            (rule.To is null || rule.To.Count == 0 || rule.To.Any(peer => PeerMatches(peer, to)))
            && PortMatches(rule.Ports, to, port, protocol)));
    }

    private bool IngressAllows(Peer from, Peer to, int port, string protocol)
    {
        if (to is not PodPeer destination || destination.Namespace != @namespace)
        {
            return true;
        }

        var selecting = Selecting(destination, "Ingress").ToList();
        return selecting.Count == 0 || selecting.Any(p => (p.Spec.Ingress ?? []).Any(rule =>
            (rule.FromProperty is null || rule.FromProperty.Count == 0 || rule.FromProperty.Any(peer => PeerMatches(peer, from)))
            && PortMatches(rule.Ports, to, port, protocol)));
    }

    private IEnumerable<V1NetworkPolicy> Selecting(PodPeer pod, string direction) =>
        policies.Where(p => PolicyTypes(p).Contains(direction) && p.Spec.PodSelector.Matches(pod.Labels));

    /// <summary>policyTypes, or its default: Ingress, plus Egress when egress rules exist.</summary>
    private static IEnumerable<string> PolicyTypes(V1NetworkPolicy policy) =>
        policy.Spec.PolicyTypes is { Count: > 0 } types
            ? types
            : policy.Spec.Egress is { Count: > 0 } ? ["Ingress", "Egress"] : ["Ingress"];

    private bool PeerMatches(V1NetworkPolicyPeer peer, Peer target)
    {
        if (peer.IpBlock is { } block)
        {
            // ipBlock is meant for addresses outside the cluster; whether it covers pod addresses
            // depends on the network plugin, so it is never counted on for pods here.
            return target is AddressPeer address
                && Contains(block.Cidr, address.Address)
                && !(block.Except ?? []).Any(cidr => Contains(cidr, address.Address));
        }

        if (target is not PodPeer pod)
        {
            return false;
        }

        var namespaceMatches = peer.NamespaceSelector is null
            ? pod.Namespace == @namespace
            : peer.NamespaceSelector.Matches(pod.NamespaceLabels);
        return namespaceMatches && (peer.PodSelector is null || peer.PodSelector.Matches(pod.Labels));
    }

    private static bool PortMatches(IList<V1NetworkPolicyPort>? ports, Peer destination, int port, string protocol) =>
        ports is null || ports.Count == 0 || ports.Any(p =>
            (p.Protocol ?? "TCP") == protocol
            && (p.Port is null || ResolvePort(p.Port, destination) is { } from
                && (p.EndPort is { } end ? port >= from && port <= end : port == from)));

    private static int? ResolvePort(IntOrString port, Peer destination)
    {
        if (int.TryParse(port.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        // A named port means the destination container's port of that name.
        return destination is PodPeer { Spec: { } spec }
            ? spec.Containers.SelectMany(c => c.Ports ?? []).FirstOrDefault(p => p.Name == port.Value)?.ContainerPort
            : null;
    }

    private static bool Contains(string cidr, IPAddress address) => IPNetwork.Parse(cidr).Contains(address);
}
