namespace HealthcareCms.Bench.Infrastructure;

/// <summary>Where the repository, the built services and the harness's scratch space are.</summary>
public static class BenchPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The build configuration the harness itself was built in; the services are used from the same one.</summary>
    public static string Configuration { get; } = FindConfiguration();

    public static string WorkDirectory => Path.Combine(Root, "bench", ".work");

    public static string ResultsDirectory => Path.Combine(Root, "bench", "results");

    public static string ServiceAssembly(string project) =>
        Path.Combine(Root, project, "bin", Configuration, "net10.0", project + ".dll");

    /// <summary>How to re-launch this binary with a sub-command (the apphost, or dotnet + dll).</summary>
    public static (string FileName, string[] Prefix) SelfCommand()
    {
        var process = Environment.ProcessPath ?? "dotnet";
        var dll = typeof(BenchPaths).Assembly.Location;
        return Path.GetFileNameWithoutExtension(process) == "dotnet" ? (process, [dll]) : (process, []);
    }

    private static string FindRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "HealthcareCms.sln")))
                {
                    return directory.FullName;
                }
            }
        }

        throw new InvalidOperationException("HealthcareCms.sln not found above the harness or the current directory.");
    }

    private static string FindConfiguration()
    {
        var parts = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar).Split(Path.DirectorySeparatorChar);
        var bin = Array.LastIndexOf(parts, "bin");
        return bin >= 0 && bin + 1 < parts.Length ? parts[bin + 1] : "Release";
    }
}
