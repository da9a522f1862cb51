using HealthcareCms.Tests.Infrastructure;
using k8s.Models;

namespace HealthcareCms.Tests.Deployment;

/// <summary>
/// Every ConfigMap a pod reads is rendered with the keys it reads; every Secret key it reads (never
/// committed) is in docs/deploy.md's secrets table, which in turn lists nothing that is not used.
/// </summary>
public sealed class ConfigurationReferenceTests
{
    public static TheoryData<string> Overlays => [.. RenderedOverlay.Overlays];

    /// <summary>(Secret, key) pairs of the "## Secrets" table in docs/deploy.md.</summary>
    private static HashSet<(string Secret, string Key)> DocumentedSecretKeys()
    {
        var lines = File.ReadAllLines(Repository.PathOf("docs", "deploy.md"));
        var section = lines.SkipWhile(l => l.Trim() != "## Secrets").Skip(1).TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal));
        return section
            .Where(l => l.StartsWith('|') && !l.StartsWith("|---", StringComparison.Ordinal))
            .Select(l => l.Split('|', StringSplitOptions.TrimEntries))
            .Select(cells => (Secret: cells[1].Trim('`'), Key: cells[2].Trim('`')))
            .Where(row => row.Secret != "Secret")
            .ToHashSet();
    }

    private static IEnumerable<(string Secret, string Key, string Where)> SecretKeysUsed(RenderedOverlay manifests)
    {
        foreach (var workload in manifests.Workloads)
        {
            foreach (var env in workload.Pod.Containers.SelectMany(c => c.Env ?? []))
            {
                if (env.ValueFrom?.SecretKeyRef is { } reference)
                {
                    yield return (reference.Name, reference.Key, $"{workload} {env.Name}");
                }
            }

            Assert.DoesNotContain(workload.Pod.Containers.SelectMany(c => c.EnvFrom ?? []), source => source.SecretRef is not null);
            Assert.DoesNotContain(workload.Pod.Volumes ?? [], volume => volume.Secret is not null);
        }

        foreach (var tls in manifests.All<V1Ingress>().SelectMany(i => i.Spec.Tls ?? []))
        {
            yield return (tls.SecretName, "tls.crt", "Ingress TLS");
            yield return (tls.SecretName, "tls.key", "Ingress TLS");
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Every_ConfigMap_a_pod_reads_exists_with_the_keys_it_reads(string overlay)
    {
        var manifests = await RenderedOverlay.LoadAsync(overlay);
        var configMaps = manifests.All<V1ConfigMap>().ToDictionary(c => c.Metadata.Name);

        foreach (var workload in manifests.Workloads)
        {
            foreach (var container in workload.Pod.Containers)
            {
                foreach (var source in (container.EnvFrom ?? []).Where(s => s.ConfigMapRef is not null))
                {
                    Assert.True(configMaps.ContainsKey(source.ConfigMapRef.Name), $"{workload}: ConfigMap {source.ConfigMapRef.Name} is not rendered");
                    Assert.NotEqual(true, source.ConfigMapRef.Optional);
                }

                foreach (var env in (container.Env ?? []).Where(e => e.ValueFrom?.ConfigMapKeyRef is not null))
                {
                    var reference = env.ValueFrom.ConfigMapKeyRef;
                    Assert.True(configMaps.TryGetValue(reference.Name, out var map) && map.Data.ContainsKey(reference.Key),
                        $"{workload}: {env.Name} reads {reference.Name}/{reference.Key}, which is not rendered");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Every_Secret_key_a_pod_reads_is_documented(string overlay)
    {
        var manifests = await RenderedOverlay.LoadAsync(overlay);
        var documented = DocumentedSecretKeys();

        var used = SecretKeysUsed(manifests).ToList();
        Assert.NotEmpty(used);
        foreach (var (secret, key, where) in used)
        {
            Assert.True(documented.Contains((secret, key)), $"{where} reads Secret {secret} key {key}, which docs/deploy.md's secrets table does not list");
        }
    }

    [Fact]
    public async Task The_secrets_table_lists_only_keys_some_overlay_reads()
    {
        var used = new HashSet<(string, string)>();
        foreach (var overlay in RenderedOverlay.Overlays)
        {
            used.UnionWith(SecretKeysUsed(await RenderedOverlay.LoadAsync(overlay)).Select(u => (u.Secret, u.Key)));
        }

        var documented = DocumentedSecretKeys();
        Assert.NotEmpty(documented);
        Assert.Empty(documented.Except(used));
    }

    [Fact]
    public async Task Only_the_services_that_own_data_get_the_database_and_each_service_gets_only_its_keys()
    {
        var manifests = await RenderedOverlay.LoadAsync("prod");

        HashSet<string> Keys(string service) =>
            manifests.Workload(service).Container.Env.Where(e => e.ValueFrom?.SecretKeyRef is not null).Select(e => e.ValueFrom.SecretKeyRef.Key).ToHashSet();

        Assert.DoesNotContain(Keys("policy"), key => key.StartsWith("cmsdb", StringComparison.Ordinal));
        Assert.Contains("cmsdb-api", Keys("api"));
        Assert.Contains("cmsdb-workflows", Keys("workflows"));
        // Token signing, the admin seed and PHI encryption are the api's alone; the gateway assertion key
        // is shared by the gateway (api) and the policy service that verifies it.
        foreach (var key in new[] { "jwt-signing-key", "admin-password", "phi-encryption-key" })
        {
            Assert.Contains(key, Keys("api"));
            Assert.DoesNotContain(key, Keys("policy"));
            Assert.DoesNotContain(key, Keys("workflows"));
        }

        Assert.Contains("internal-signing-key", Keys("api"));
        Assert.Contains("internal-signing-key", Keys("policy"));
    }
}
