namespace HealthcareCms.Bench.Servers;

/// <summary>
/// The ceiling: a bare Kestrel endpoint answering "hello" with no middleware, telemetry or database.
/// Whatever the machine and load generator can push through it bounds every other figure.
/// </summary>
public static class CeilingServer
{
    public const string Command = "ceiling-server";

    public static async Task<int> RunAsync(string[] args)
    {
        var port = ServerArguments.Port(args);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], EnvironmentName = Environments.Production });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");

        var app = builder.Build();
        app.MapGet("/", () => "hello");
        await app.RunAsync();
        return 0;
    }
}

internal static class ServerArguments
{
    public static int Port(string[] args) => int.Parse(Value(args, "--port"), System.Globalization.CultureInfo.InvariantCulture);

    public static string Value(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length
            ? args[index + 1]
            : throw new ArgumentException($"{name} is required.");
    }
}
