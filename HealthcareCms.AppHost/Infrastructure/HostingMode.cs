using System.Diagnostics;
using Microsoft.Extensions.Configuration;

namespace HealthcareCms.AppHost.Infrastructure;

/// <summary>How the infrastructure (PostgreSQL, Prometheus, Grafana) runs.</summary>
public enum HostingMode
{
    /// <summary>A container runtime answers: PostgreSQL, Prometheus and Grafana run as containers.</summary>
    Containers,

    /// <summary>No container runtime: PostgreSQL and Prometheus run from locally installed binaries; no Grafana.</summary>
    Executables,
}

public sealed record HostingSettings(
    HostingMode Mode,
    string Reason,
    string DataDirectory,
    string PostgresBinDirectory,
    string PostgresOsUser,
    string PrometheusPath,
    string PrometheusScrapeInterval,
    string? PostgresVolume = "healthcare-cms-postgres")
{
    public const string Section = "HealthcareCms";

    /// <summary>
    /// Reads <c>HealthcareCms:Runtime</c> (<c>Auto</c>, <c>Containers</c> or <c>Executables</c>). <c>Auto</c>
    /// asks the container runtime (<c>ASPIRE_CONTAINER_RUNTIME</c>, default docker) whether its engine
    /// answers; the question is bounded by a timeout, so a missing engine never hangs the start.
    /// </summary>
    public static HostingSettings Resolve(IConfiguration configuration, string appHostDirectory)
    {
        var section = configuration.GetSection(Section);
        var requested = section["Runtime"] ?? "Auto";

        var dataDirectory = section["DataDirectory"];
        if (string.IsNullOrWhiteSpace(dataDirectory))
        {
            dataDirectory = Path.Combine(Path.GetFullPath(Path.Combine(appHostDirectory, "..")), ".data");
        }

        (HostingMode mode, string reason) = requested.ToLowerInvariant() switch
        {
            "containers" => (HostingMode.Containers, "forced by HealthcareCms:Runtime=Containers"),
            "executables" => (HostingMode.Executables, "forced by HealthcareCms:Runtime=Executables"),
            "auto" => ProbeContainerRuntime(configuration["ASPIRE_CONTAINER_RUNTIME"] ?? "docker"),
            _ => throw new InvalidOperationException(
                $"HealthcareCms:Runtime must be Auto, Containers or Executables, not '{requested}'."),
        };

        return new HostingSettings(
            mode,
            reason,
            Path.GetFullPath(dataDirectory),
            section["PostgresBinDirectory"] ?? "/usr/lib/postgresql/15/bin",
            section["PostgresOsUser"] ?? "postgres",
            section["PrometheusPath"] ?? "prometheus",
            section["PrometheusScrapeInterval"] ?? "5s",
            // Container mode's named data volume; "none" runs PostgreSQL on the container's own (throw-away) storage.
            section["PostgresVolume"] is { } volume
                ? (volume is "none" or "" ? null : volume)
                : "healthcare-cms-postgres");
    }

    private static (HostingMode, string) ProbeContainerRuntime(string runtime)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(runtime, ["info", "--format", "{{.ServerVersion}}"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return (HostingMode.Executables, $"'{runtime}' could not be started");
            }

            if (!process.WaitForExit(TimeSpan.FromSeconds(5)))
            {
                process.Kill(entireProcessTree: true);
                return (HostingMode.Executables, $"'{runtime} info' did not answer within 5 s");
            }

            return process.ExitCode == 0
                ? (HostingMode.Containers, $"{runtime} engine answered")
                : (HostingMode.Executables, $"'{runtime} info' failed: no container engine is running");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return (HostingMode.Executables, $"no '{runtime}' command on PATH");
        }
    }
}
