namespace HealthcareCms.AppHost.Infrastructure;

/// <summary>What executable mode needs on the machine; one clear message when something is missing.</summary>
public static class Prerequisites
{
    public static string? Check(HostingSettings settings)
    {
        if (settings.Mode == HostingMode.Containers)
        {
            return null;
        }

        var missing = new List<string>();
        foreach (var binary in new[] { "postgres", "initdb" })
        {
            if (!File.Exists(Path.Combine(settings.PostgresBinDirectory, binary)))
            {
                missing.Add($"PostgreSQL server binary '{binary}' in {settings.PostgresBinDirectory}");
            }
        }

        if (FindOnPath("setpriv") is null)
        {
            missing.Add("'setpriv' (util-linux) to run PostgreSQL as a non-root user");
        }

        if (FindOnPath(settings.PrometheusPath) is null)
        {
            missing.Add($"Prometheus ('{settings.PrometheusPath}')");
        }

        if (missing.Count == 0)
        {
            return null;
        }

        return $"""
            Healthcare CMS cannot start: no container runtime is available ({settings.Reason}) and the local
            binaries used instead are missing: {string.Join("; ", missing)}.
            Install them (Debian/Ubuntu: sudo apt-get install -y postgresql prometheus) or start Docker/Podman.
            HealthcareCms:PostgresBinDirectory and HealthcareCms:PrometheusPath point at other locations.
            """;
    }

    private static string? FindOnPath(string command)
    {
        if (Path.IsPathRooted(command))
        {
            return File.Exists(command) ? command : null;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, command))
            .FirstOrDefault(File.Exists);
    }
}
