using HealthcareCms.AppHost.Infrastructure;
using HealthcareCms.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace HealthcareCms.Tests.Foundation;

public sealed class AppHostConfigurationTests
{
    private static HostingSettings Resolve(params (string Key, string Value)[] settings) =>
        HostingSettings.Resolve(
            new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build(),
            Repository.PathOf("HealthcareCms.AppHost"));

    [Theory]
    [InlineData("Containers", HostingMode.Containers)]
    [InlineData("executables", HostingMode.Executables)]
    public void The_runtime_can_be_forced_by_configuration(string value, HostingMode expected) =>
        Assert.Equal(expected, Resolve(("HealthcareCms:Runtime", value)).Mode);

    /// <summary>Container mode keeps PostgreSQL in the named volume; the test fixture asks for none (fresh per run).</summary>
    [Theory]
    [InlineData(null, "healthcare-cms-postgres")]
    [InlineData("none", null)]
    [InlineData("cms-staging", "cms-staging")]
    public void The_container_data_volume_is_configurable_and_can_be_turned_off(string? value, string? expected) =>
        Assert.Equal(expected, (value is null ? Resolve() : Resolve(("HealthcareCms:PostgresVolume", value))).PostgresVolume);

    [Fact]
    public void Auto_without_a_container_engine_chooses_executables()
    {
        // No engine answers on this kind of machine; a runtime command that does not exist behaves the same.
        var settings = Resolve(("ASPIRE_CONTAINER_RUNTIME", "no-such-container-runtime"));

        Assert.Equal(HostingMode.Executables, settings.Mode);
        Assert.Contains("no-such-container-runtime", settings.Reason);
    }

    [Fact]
    public void An_unknown_runtime_setting_is_a_clear_error()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Resolve(("HealthcareCms:Runtime", "kubernetes")));
        Assert.Contains("Auto, Containers or Executables", error.Message);
    }

    [Fact]
    public void The_data_directory_defaults_to_the_git_ignored_folder_in_the_repository()
    {
        Assert.Equal(Repository.PathOf(".data"), Resolve(("HealthcareCms:Runtime", "Executables")).DataDirectory);
        Assert.Contains(".data/", File.ReadAllLines(Repository.PathOf(".gitignore")));
    }

    [Fact]
    public void Missing_binaries_give_one_message_that_says_what_to_install()
    {
        var settings = Resolve(
            ("HealthcareCms:Runtime", "Executables"),
            ("HealthcareCms:PostgresBinDirectory", "/nonexistent/postgres/bin"),
            ("HealthcareCms:PrometheusPath", "/nonexistent/prometheus"));

        var message = Prerequisites.Check(settings);

        Assert.NotNull(message);
        Assert.Contains("apt-get install -y postgresql prometheus", message);
        Assert.Contains("initdb", message);
        Assert.Contains("Prometheus", message);
    }

    [Fact]
    public void This_machine_has_the_binaries_executable_mode_needs() =>
        Assert.Null(Prerequisites.Check(Resolve(("HealthcareCms:Runtime", "Executables"))));

    [Fact]
    public async Task The_generated_prometheus_config_is_valid_for_promtool()
    {
        var directory = Directory.CreateTempSubdirectory("hcms-promcfg-");
        try
        {
            var rules = Repository.PathOf("observability", "prometheus", "rules", "*.yml");
            var file = Path.Combine(directory.FullName, "prometheus.yml");
            await File.WriteAllTextAsync(file, PrometheusConfig.Render("5s", rules,
                [("api", "localhost:9101"), ("policy", "localhost:9102"), ("workflows", "localhost:9103")]));

            var check = await Promtool.RunAsync(["check", "config", file]);

            Assert.True(check.ExitCode == 0, check.Output);
            Assert.Contains("job_name: policy", await File.ReadAllTextAsync(file));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
