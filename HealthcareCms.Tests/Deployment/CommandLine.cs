using System.Diagnostics;

namespace HealthcareCms.Tests.Deployment;

/// <summary>Runs a real command-line tool (kubectl, dotnet msbuild, bash) and returns what it printed.</summary>
internal static class CommandLine
{
    public sealed record Result(int ExitCode, string Output, string Error);

    public static async Task<Result> RunAsync(string fileName, IEnumerable<string> args, string? workingDirectory = null)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Infrastructure.Repository.Root,
        };
        foreach (var arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"{fileName} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    public static async Task<string> RunCheckedAsync(string fileName, params string[] args)
    {
        var result = await RunAsync(fileName, args);
        Assert.True(result.ExitCode == 0, $"{fileName} {string.Join(' ', args)} exited with {result.ExitCode}: {result.Error}");
        return result.Output;
    }
}
