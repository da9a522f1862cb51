using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace HealthcareCms.Bench.Infrastructure;

/// <summary>
/// A process the harness starts (a service build, a comparison server, the AppHost), its output in a
/// log file under <c>bench/.work</c>, stopped by signal and killed when it does not stop.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private const int SigInt = 2;
    private const int SigKill = 9;
    private const int SigTerm = 15;

    private readonly Process _process;

    private ChildProcess(Process process, string name, string logFile, bool ownGroup)
    {
        _process = process;
        Name = name;
        LogFile = logFile;
        OwnGroup = ownGroup;
    }

    public string Name { get; }

    public string LogFile { get; }

    /// <summary>Started in its own session (setsid): signals go to the whole process group.</summary>
    public bool OwnGroup { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public static ChildProcess Start(
        string name, string fileName, IEnumerable<string> args, IDictionary<string, string?> environment,
        string? workingDirectory = null, bool ownGroup = false)
    {
        Directory.CreateDirectory(BenchPaths.WorkDirectory);
        var logFile = Path.Combine(BenchPaths.WorkDirectory, $"{name}.log");
        var startInfo = new ProcessStartInfo(ownGroup ? "setsid" : fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? BenchPaths.Root,
        };
        if (ownGroup)
        {
            startInfo.ArgumentList.Add(fileName);
        }

        foreach (var arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            startInfo.Environment[key] = value;
        }

        var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {name}.");
        var writer = new StreamWriter(logFile, append: false) { AutoFlush = true };
        var gate = new object();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (gate) { writer.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (gate) { writer.WriteLine(e.Data); } } };
        process.Exited += (_, _) => { lock (gate) { writer.Flush(); } };
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ChildProcess(process, name, logFile, ownGroup);
    }

    /// <summary>Launches a built .NET service (<c>dotnet Project.dll</c>) from its output folder.</summary>
    public static ChildProcess StartService(string name, string project, IDictionary<string, string?> environment)
    {
        var dll = BenchPaths.ServiceAssembly(project);
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} is missing: build the solution in {BenchPaths.Configuration} first.");
        }

        return Start(name, "dotnet", [dll], environment, Path.GetDirectoryName(dll));
    }

    /// <summary>Polls <paramref name="url"/> until it answers 2xx; fails with the log's tail when the process dies or time runs out.</summary>
    public async Task WaitUntilReadyAsync(HttpClient http, string url, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} before it was ready:\n{Tail()}");
            }

            if (await Http.IsSuccessAsync(http, url))
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{Name} was not ready at {url} within {timeout.TotalSeconds} s:\n{Tail()}");
    }

    /// <summary>Peak resident set size (VmHWM) in MiB, from /proc.</summary>
    public double PeakRssMiB() => ProcStatus.PeakRssMiB(_process.Id);

    public string Tail(int lines = 30)
    {
        try
        {
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }

    /// <summary>SIGINT (AppHost) or SIGTERM (services), then SIGKILL after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace, bool interrupt = false)
    {
        if (_process.HasExited)
        {
            return;
        }

        Signal(interrupt ? SigInt : SigTerm);
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Signal(SigKill);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(10));
        _process.Dispose();
    }

    private void Signal(int signal)
    {
        var target = OwnGroup ? -_process.Id : _process.Id;
        _ = kill(target, signal);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}

public static class ProcStatus
{
    public static double PeakRssMiB(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                var kib = double.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                return kib / 1024;
            }
        }

        throw new InvalidOperationException($"No VmHWM for process {pid}.");
    }
}

public static class Http
{
    public static HttpClient CreateClient(int maxConnections = 512) => new(new SocketsHttpHandler
    {
        UseProxy = false,
        MaxConnectionsPerServer = maxConnections,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        AllowAutoRedirect = false,
    })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    public static async Task<bool> IsSuccessAsync(HttpClient http, string url)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            using var response = await http.GetAsync(url, cts.Token);
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            return false;
        }
    }
}
