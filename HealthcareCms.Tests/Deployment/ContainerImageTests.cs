using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using HealthcareCms.Tests.Infrastructure;

namespace HealthcareCms.Tests.Deployment;

/// <summary>
/// The SDK container settings of each service, evaluated by MSBuild itself (publishing the image needs
/// the base-image registry, which this machine cannot reach).
/// </summary>
public sealed partial class ContainerImageTests
{
    public static TheoryData<string, string> ServiceProjects => new()
    {
        { "api", "HealthcareCms.Api/HealthcareCms.Api.csproj" },
        { "policy", "HealthcareCms.Policy/HealthcareCms.Policy.csproj" },
        { "workflows", "HealthcareCms.Workflows/HealthcareCms.Workflows.csproj" },
    };

    private sealed record ContainerSettings(
        string Repository, string Tags, string User, string BaseImage, string Version, string[] Ports, Dictionary<string, string> Environment);

    private static async Task<ContainerSettings> EvaluateAsync(string project)
    {
        var json = await CommandLine.RunCheckedAsync("dotnet", "msbuild", Repository.PathOf(project),
            "-getProperty:ContainerRepository", "-getProperty:ContainerImageTags", "-getProperty:ContainerUser",
            "-getProperty:ContainerBaseImage", "-getProperty:Version",
            "-getItem:ContainerPort", "-getItem:ContainerEnvironmentVariable");
        using var document = JsonDocument.Parse(json);
        var properties = document.RootElement.GetProperty("Properties");
        var items = document.RootElement.GetProperty("Items");
        string Property(string name) => properties.GetProperty(name).GetString() ?? "";
        return new ContainerSettings(
            Property("ContainerRepository"), Property("ContainerImageTags"), Property("ContainerUser"),
            Property("ContainerBaseImage"), Property("Version"),
            [.. items.GetProperty("ContainerPort").EnumerateArray().Select(p => $"{p.GetProperty("Identity").GetString()}/{p.GetProperty("Type").GetString()}")],
            items.GetProperty("ContainerEnvironmentVariable").EnumerateArray()
                .ToDictionary(e => e.GetProperty("Identity").GetString()!, e => e.GetProperty("Value").GetString()!));
    }

    [Theory]
    [MemberData(nameof(ServiceProjects))]
    public async Task Each_service_publishes_a_versioned_non_root_image_exposing_its_public_and_management_ports(string service, string project)
    {
        var settings = await EvaluateAsync(project);

        Assert.Equal($"healthcare-cms/{service}", settings.Repository);
        Assert.Matches(SemanticVersion(), settings.Version);
        Assert.Equal(settings.Version, settings.Tags);
        Assert.DoesNotContain("latest", settings.Tags, StringComparison.OrdinalIgnoreCase);

        // Numeric, so the kubelet can verify runAsNonRoot; the same user the pods run as.
        Assert.True(int.TryParse(settings.User, out var uid) && uid > 0, $"ContainerUser '{settings.User}' is not a non-root UID");
        var manifests = await RenderedOverlay.LoadAsync("prod");
        Assert.Equal(uid, manifests.Deployment(service).Spec.Template.Spec.SecurityContext.RunAsUser);

        var common = manifests.ConfigMap("healthcare-cms-common").Data;
        Assert.Equal([$"{common["ASPNETCORE_HTTP_PORTS"]}/tcp", $"{common["MANAGEMENT_HTTP_PORT"]}/tcp"], settings.Ports);
        Assert.Equal(common["MANAGEMENT_HTTP_PORT"], settings.Environment["MANAGEMENT_HTTP_PORT"]);
    }

    [Theory]
    [MemberData(nameof(ServiceProjects))]
    public async Task The_base_image_is_the_ASP_NET_Core_10_runtime_pinned_to_a_patch_no_older_than_the_packages(string service, string project)
    {
        var settings = await EvaluateAsync(project);

        var match = PinnedAspNetImage().Match(settings.BaseImage);
        Assert.True(match.Success, $"{service}: base image '{settings.BaseImage}' is not mcr.microsoft.com/dotnet/aspnet:10.0.<patch>[@sha256:<digest>]");

        // The runtime in the image must not be older than the ASP.NET Core packages the services reference.
        var packages = XDocument.Load(Repository.PathOf("Directory.Packages.props"));
        var aspNetCore = packages.Descendants("AspNetCoreVersion").Single().Value;
        Assert.True(Version.Parse(match.Groups["version"].Value) >= Version.Parse(aspNetCore),
            $"base image runtime {match.Groups["version"].Value} is older than AspNetCoreVersion {aspNetCore}");
    }

    [Fact]
    public async Task The_manifests_deploy_the_image_tag_the_projects_publish()
    {
        var version = (await EvaluateAsync("HealthcareCms.Api/HealthcareCms.Api.csproj")).Version;

        foreach (var overlay in RenderedOverlay.Overlays)
        {
            var manifests = await RenderedOverlay.LoadAsync(overlay);
            foreach (var workload in manifests.Workloads.Where(w => w.Container.Image.StartsWith("healthcare-cms/", StringComparison.Ordinal)))
            {
                Assert.EndsWith($":{version}", workload.Container.Image);
            }
        }
    }

    [GeneratedRegex(@"^\d+\.\d+\.\d+$")]
    private static partial Regex SemanticVersion();

    [GeneratedRegex(@"^mcr\.microsoft\.com/dotnet/aspnet:(?<version>10\.0\.\d+)(@sha256:[0-9a-f]{64})?$")]
    private static partial Regex PinnedAspNetImage();
}
